/**
 * Runs before `s deploy` (an s.yaml pre-deploy action): refuses to deploy functions that would be open
 * to anyone (no CALLBACK_SECRETS), whose call states could be forged (no STATE_SECRETS), or whose inline
 * rules would fail validation on the first call. Set ALLOW_OPEN_DEPLOY=1 to deploy an open test stage.
 * Inline rules whose holiday data runs out within 45 days get a warning.
 *
 *   npm run deploy:check
 */
import { toLocalTime } from '../../shared/calendar/local-time';
import { ConfigError, readConfig } from '../../shared/config/config';
import { describeShortfall, findHolidayDataShortfalls } from '../../shared/rules/holiday-coverage';
import { loadRules } from '../../shared/rules/load-rules';
import { parseYaml } from '../../shared/rules/yaml-parser';

function fail(lines: readonly string[]): never {
  for (const line of lines) console.error(`deploy check: ${line}`);
  process.exit(1);
}

let config: ReturnType<typeof readConfig>;
try {
  config = readConfig(process.env);
} catch (error) {
  fail([error instanceof ConfigError ? error.message : String(error)]);
}

// Every problem is listed at once, so that one deploy attempt shows all there is to fix.
const problems: string[] = [];
const open: string[] = [];
if (config.callbackSecrets.length === 0) {
  open.push('CALLBACK_SECRETS is empty: anyone who finds the trigger URL could drive your calls');
}
if (!config.hasStateSecret) {
  open.push('STATE_SECRETS is empty: callers could forge their place in a flow');
}
const openAllowed = process.env.ALLOW_OPEN_DEPLOY === '1';
if (open.length > 0 && !openAllowed) {
  problems.push(
    ...open,
    'set them (in the shell or a .env beside s.yaml), or ALLOW_OPEN_DEPLOY=1 for a test stage',
  );
}
const warnings = openAllowed ? [...open] : [];
if (config.rulesJson !== undefined) {
  const loaded = loadRules(config, parseYaml);
  if (!loaded.ok) {
    problems.push('RULES is invalid:', ...loaded.issues.map((issue) => `  ${issue.path}: ${issue.message}`));
  } else {
    // Deploys still go ahead: the calendars' noHolidayData policies decide until the year is added.
    const now = Date.now();
    for (const shortfall of findHolidayDataShortfalls(
      loaded.compiled,
      (zone) => toLocalTime(now, zone).date,
    )) {
      warnings.push(describeShortfall(shortfall));
    }
  }
}
if (problems.length > 0) fail(problems);
for (const warning of warnings) console.error(`deploy check: warning: ${warning}`);
console.error('deploy check: environment ok');
