import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as v from 'valibot';
import { readConfig } from '../../shared/config/config';
import { MAX_KEY_ENTRY_CHARS, MAX_UTTERANCE_CHARS } from '../../shared/flow/flow-limits';
import {
  CONTENT_SCHEMAS,
  MAX_CALL_ID_CHARS,
  MAX_RECEIVED_DYNAMIC_ID_CHARS,
  parseCallback,
} from '../../shared/protocol/callback-request';
import { MAX_TEXT_CHARS } from '../../shared/protocol/coerce';
import { type HttpRequest, MAX_BODY_BYTES } from '../../shared/protocol/http';
import { classifyReceipt } from '../../shared/protocol/receipt-type';
import {
  MAX_DYNAMIC_ID_CHARS,
  ReplyDataSchema,
  SuccessReplySchema,
} from '../../shared/protocol/reply-schema';
import { MAX_TTS_CHARS } from '../../shared/protocol/tts-text';
import { MAX_RECEIPTS_PER_BATCH, MAX_REPORT_BODY_BYTES, RECEIVED } from '../../shared/report/handle-report';
import { ConsoleTestSchema, ReceiptRecordSchema } from '../../shared/report/receipt';
import {
  MAX_OUTBOUND_ID_CHARS,
  MAX_OUTBOUND_VALUE_CHARS,
  MAX_OUTBOUND_VARS,
  MAX_OUTBOUND_VARS_BYTES,
} from '../../shared/state/outbound-id';
import { ROOT } from '../support/fc-event';
import { headingAnchors } from './markdown';

/**
 * docs/reference/protocol.md is what a user with a real account checks the platform against, so it must say what
 * the code does: every event, `content` field, action and reply field of the code is in it and nothing
 * else, every JSON example passes the code's own parser or schema, and its limits are the code's.
 */

const DOC_PATH = join(ROOT, 'docs', 'reference', 'protocol.md');
const DOC = readFileSync(DOC_PATH, 'utf8');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

type Section = { readonly heading: string; readonly body: string };

/** Splits markdown at headings of `level` (`##`, `###`), ignoring lines inside code fences. */
function splitSections(text: string, level: number): Section[] {
  const marker = `${'#'.repeat(level)} `;
  const sections: { heading: string; lines: string[] }[] = [];
  let inFence = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    if (!inFence && line.startsWith(marker)) sections.push({ heading: line.slice(marker.length), lines: [] });
    else sections.at(-1)?.lines.push(line);
  }
  return sections.map((s) => ({ heading: s.heading, body: s.lines.join('\n') }));
}

function section(text: string, level: number, heading: string): string {
  const found = splitSections(text, level).find((s) => s.heading === heading);
  assert.ok(found !== undefined, `no "${'#'.repeat(level)} ${heading}" section`);
  return found.body;
}

/** The subsections of a section, by the name in backticks their heading starts with. */
function subsectionsByCodeName(body: string): Map<string, string> {
  const named = new Map<string, string>();
  for (const { heading, body: text } of splitSections(body, 3)) {
    const name = /^`([^`]+)`$/.exec(heading)?.[1];
    if (name !== undefined) named.set(name, text);
  }
  return named;
}

/** The JSON code blocks of a text, with the line before each (what the doc says the example is). */
function jsonBlocks(text: string): { readonly json: string; readonly intro: string }[] {
  const blocks: { json: string; intro: string }[] = [];
  const pattern = /(?:^|\n)([^\n]*)\n+```json\n([\s\S]*?)\n```/g;
  for (const match of text.matchAll(pattern)) blocks.push({ intro: match[1] ?? '', json: match[2] ?? '' });
  return blocks;
}

/** The names written as `code` in the first column of the first table of a text. */
function firstTableColumn(text: string): string[] {
  const rows = text.split('\n').filter((line) => line.startsWith('|'));
  return rows.slice(2).flatMap((row) => {
    const cell = row.split('|')[1] ?? '';
    const name = /^\s*`([^`]+)`/.exec(cell)?.[1];
    return name === undefined ? [] : [name];
  });
}

/** The wire fields a `Fields:` paragraph names (lower-case `snake_case` in backticks), or none. */
function fieldsParagraph(text: string): string[] {
  const paragraph = text.split(/\n\s*\n/).find((block) => block.startsWith('Fields: '));
  assert.ok(paragraph !== undefined, 'no "Fields:" paragraph');
  return [...paragraph.matchAll(/`([a-z][a-z_]*)`/g)].map((m) => m[1] ?? '');
}

const sorted = (names: Iterable<string>) => [...new Set(names)].sort();

function jsonBody(json: string): HttpRequest {
  return {
    method: 'POST',
    path: '/inbound',
    query: {},
    headers: { 'content-type': 'application/json' },
    body: json,
    bodyBytes: Buffer.byteLength(json),
  };
}

function formBody(params: Record<string, string>): HttpRequest {
  const body = new URLSearchParams(params).toString();
  return {
    method: 'POST',
    path: '/inbound',
    query: {},
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
    bodyBytes: Buffer.byteLength(body),
  };
}

/** The action names and their fields (beyond call_id, dynamic_id and action), from the reply schema. */
const ACTIONS = new Map(
  ReplyDataSchema.options.map((option) => [
    option.entries.action.literal as string,
    Object.keys(option.entries).filter((key) => !['call_id', 'dynamic_id', 'action'].includes(key)),
  ]),
);

const EVENTS = Object.keys(CONTENT_SCHEMAS) as (keyof typeof CONTENT_SCHEMAS)[];

describe('docs/reference/protocol.md: events', () => {
  const events = section(DOC, 2, 'Events');
  const byName = subsectionsByCodeName(events);

  it('has a subsection for every content_type the parser reads, and for no other', () => {
    assert.deepEqual(sorted(byName.keys()), sorted(EVENTS));
    assert.match(events, /### Any other `content_type`/);
  });

  for (const type of EVENTS) {
    it(`lists exactly the content fields the parser reads for ${type}`, () => {
      const text = byName.get(type) ?? '';
      assert.deepEqual(sorted(firstTableColumn(text)), sorted(Object.keys(CONTENT_SCHEMAS[type].entries)));
    });

    it(`shows a ${type} callback the parser reads as one, in a JSON body and as a form`, () => {
      const examples = jsonBlocks(byName.get(type) ?? '');
      assert.ok(examples.length > 0, `no ${type} example`);
      for (const { json } of examples) {
        const params = JSON.parse(json) as Record<string, string>;
        assert.equal(params.content_type, type);
        const asJson = parseCallback(jsonBody(json));
        const asForm = parseCallback(formBody(params));
        for (const parsed of [asJson, asForm]) {
          assert.ok(parsed.ok, json);
          assert.equal(parsed.event.type, type);
          assert.equal(parsed.event.contentOk, true, `unreadable content in ${json}`);
          assert.equal(parsed.event.misnamed, undefined, `a field looks guessed in ${json}`);
        }
        assert.ok(asJson.ok && asForm.ok);
        assert.deepEqual(asJson.event.content, asForm.event.content);
      }
    });
  }

  it('shows an unknown content_type as one the parser passes through as unknown', () => {
    const other = splitSections(events, 3).find((s) => s.heading === 'Any other `content_type`');
    const [example] = jsonBlocks(other?.body ?? '');
    assert.ok(example !== undefined);
    const parsed = parseCallback(jsonBody(example.json));
    assert.ok(parsed.ok);
    assert.equal(parsed.event.type, 'unknown');
  });
});

describe('docs/reference/protocol.md: replies', () => {
  const actions = subsectionsByCodeName(section(DOC, 2, 'Reply actions'));

  it('has a subsection for every action the reply schema allows, and for no other', () => {
    assert.deepEqual(sorted(actions.keys()), sorted(ACTIONS.keys()));
  });

  for (const [action, fields] of ACTIONS) {
    it(`lists exactly the fields the reply schema allows with ${action}`, () => {
      assert.deepEqual(sorted(fieldsParagraph(actions.get(action) ?? '')), sorted(fields));
    });

    it(`shows a ${action} reply that the reply schema accepts`, () => {
      const examples = jsonBlocks(actions.get(action) ?? '');
      assert.ok(examples.length > 0, `no ${action} example`);
      for (const { json } of examples) {
        const parsed = v.safeParse(SuccessReplySchema, JSON.parse(json));
        assert.ok(parsed.success, `${json}: ${parsed.issues?.[0]?.message}`);
        assert.equal(parsed.output.data.action, action);
      }
    });
  }

  it('describes the playback fields: those every action that plays a prompt shares', () => {
    const playing = [...ACTIONS.values()].filter((fields) => fields.includes('action_code'));
    const shared = playing.reduce((all, fields) => all.filter((field) => fields.includes(field)));
    const playback = section(section(DOC, 2, 'The reply'), 3, 'Playback fields');
    assert.deepEqual(sorted(firstTableColumn(playback)), sorted(shared));
  });

  it('describes the call settings: the fields of answer beyond playback', () => {
    const answer = ACTIONS.get('answer') ?? [];
    const playback = firstTableColumn(section(section(DOC, 2, 'The reply'), 3, 'Playback fields'));
    const settings = section(section(DOC, 2, 'The reply'), 3, 'Call settings');
    assert.deepEqual(
      sorted(firstTableColumn(settings)),
      sorted(answer.filter((field) => !playback.includes(field))),
    );
  });
});

describe('docs/reference/protocol.md: every JSON example', () => {
  const blocks = jsonBlocks(DOC);

  it('is JSON, and of a kind this test checks', () => {
    assert.ok(blocks.length > 20);
    for (const { json } of blocks) {
      const value: unknown = JSON.parse(json);
      const known =
        Array.isArray(value) ||
        v.is(ConsoleTestSchema, value) ||
        (typeof value === 'object' &&
          value !== null &&
          ('content_type' in value || 'result' in value || 'code' in value));
      assert.ok(known, `an example no check covers: ${json}`);
    }
  });

  it('that is a reply passes the reply schema or is the failure envelope', () => {
    for (const { json } of blocks) {
      const value = JSON.parse(json) as { result?: unknown };
      if (value.result === 'success') assert.ok(v.is(SuccessReplySchema, value), json);
      else if (value.result !== undefined)
        assert.deepEqual(Object.keys(value), ['result', 'msg', 'data'], json);
    }
  });

  it('that is a receipt push has records the report function takes, of the type the doc names', () => {
    const pushes = blocks.filter(({ json }) => json.startsWith('['));
    assert.equal(pushes.length, 3);
    for (const { json, intro } of pushes) {
      for (const record of JSON.parse(json) as unknown[]) {
        const checked = v.safeParse(ReceiptRecordSchema, record);
        assert.ok(checked.success, json);
        const type = classifyReceipt(checked.output);
        assert.ok(intro.includes(`\`${type}\``), `"${intro}" does not name ${type}`);
      }
    }
  });

  it('that is the acknowledgement of a receipt push is the one the report function sends', () => {
    const acks = blocks
      .map(({ json }) => JSON.parse(json) as Record<string, unknown>)
      .filter((x) => 'code' in x);
    assert.ok(acks.some((ack) => ack.code === RECEIVED.code));
    for (const ack of acks) if (!('result' in ack)) assert.deepEqual(ack, RECEIVED);
  });
});

describe('docs/reference/protocol.md: limits', () => {
  const rows = new Map(
    section(DOC, 2, 'Limits')
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| what'))
      .map((line) => line.split('|').map((cell) => cell.trim()))
      .map(([, what = '', limit = '']) => [what, limit] as const),
  );
  const expected: Record<string, string> = {
    "a callback's body": `${MAX_BODY_BYTES / 1024} KB`,
    "a receipt push's body": `${MAX_REPORT_BODY_BYTES / 1024 / 1024} MB; ${MAX_RECEIPTS_PER_BATCH.toLocaleString('en')} records`,
    'a text field inside `content`': `${MAX_TEXT_CHARS.toLocaleString('en')} characters`,
    'an utterance matched': `its first ${MAX_UTTERANCE_CHARS} characters`,
    'a key entry read': `its first ${MAX_KEY_ENTRY_CHARS} keys`,
    '`call_id`': `${MAX_CALL_ID_CHARS} characters`,
    'a received `dynamic_id`': `${MAX_RECEIVED_DYNAMIC_ID_CHARS} characters`,
    'a sent `dynamic_id`': `${MAX_DYNAMIC_ID_CHARS} characters`,
    'a sealed SmartCall `DynamicId`': `${MAX_OUTBOUND_ID_CHARS} characters; at most ${MAX_OUTBOUND_VARS} values, each ${MAX_OUTBOUND_VALUE_CHARS} characters, ${MAX_OUTBOUND_VARS_BYTES} bytes as JSON together`,
    'one TTS text': `${MAX_TTS_CHARS} characters`,
    "a callback's time": `\`CALLBACK_BUDGET_MS\`, ${readConfig({}).callbackBudgetMs} ms by default`,
  };

  it('names every limit in the table, and only those', () => {
    assert.deepEqual(sorted(rows.keys()), sorted(Object.keys(expected)));
  });

  for (const [what, limit] of Object.entries(expected)) {
    it(`gives the code's value for ${what}`, () => {
      assert.ok(
        rows.get(what)?.startsWith(limit),
        `${what}: "${rows.get(what)}" should start with "${limit}"`,
      );
    });
  }
});

describe('the docs point only inside the repository', () => {
  const docs = [
    'README.md',
    'SECURITY.md',
    ...(readdirSync(join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' }) as string[])
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
  ].map((path) => [path, readFileSync(join(ROOT, path), 'utf8')] as const);

  it('names no protocol file outside the repository', () => {
    for (const [path, text] of docs) {
      assert.doesNotMatch(text, /PROTOCOL\.md|\.\.\/shared|\/work\//, path);
    }
  });

  it('links the protocol reference from the README, at anchors that exist', () => {
    const anchors = headingAnchors(DOC);
    const links = [...README.matchAll(/\]\(docs\/reference\/protocol\.md(?:#([^)]+))?\)/g)];
    assert.ok(links.length > 0, 'the README does not link docs/reference/protocol.md');
    for (const [, anchor] of links) if (anchor !== undefined) assert.ok(anchors.has(anchor), `#${anchor}`);
    for (const [, anchor] of DOC.matchAll(/\]\(#([^)]+)\)/g))
      assert.ok(anchors.has(anchor ?? ''), `#${anchor}`);
  });

  it('lists every event in the README, linked to its section of the reference', () => {
    for (const type of EVENTS) {
      assert.ok(
        README.includes(`[\`${type}\`](docs/reference/protocol.md#${type})`),
        `README has no link for ${type}`,
      );
    }
  });
});
