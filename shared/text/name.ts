import * as v from 'valibot';

/**
 * Flow, node, calendar, schedule and variable names: a letter, then up to 31 letters, digits, `_` or
 * `-`. They travel in `dynamic_id`, logs and traces, so they are short and URL-safe. The one source of
 * the pattern for the schema, the state token and the linter's placeholders.
 */
export const NAME_PATTERN_SOURCE = '[A-Za-z][A-Za-z0-9_-]{0,31}';

/** {@link NAME_PATTERN_SOURCE}, anchored. */
export const NAME_PATTERN = new RegExp(`^${NAME_PATTERN_SOURCE}$`);

/** A name, as the rules document writes it. */
export const NameSchema = v.pipe(
  v.string('a name is text'),
  v.regex(NAME_PATTERN, 'a name is a letter then up to 31 letters, digits, "_" or "-"'),
);
