import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml } from '../../shared/rules/yaml-parser';
import { ROOT } from './fc-event';

/** An example rules document (examples/<name>.yaml) as parsed, for a test to compile as it is or changed. */
export function readExampleRules(name = 'appointment-reminder'): Record<string, unknown> {
  return parseYaml(readFileSync(join(ROOT, 'examples', `${name}.yaml`), 'utf8')) as Record<string, unknown>;
}
