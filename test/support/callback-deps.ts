import type { CallbackDeps } from '../../shared/callback/handle-callback';
import type { Config } from '../../shared/config/config';
import { RecentKeys } from '../../shared/gate/recent-keys';
import { createLogger } from '../../shared/log/logger';

/**
 * The dependencies of an inbound callback handler under `config`, on the real clock, its log lines
 * parsed into `lines`; `overrides` replace any of them (the rules, the lookups).
 */
export function inboundDeps(
  config: Config,
  getRules: CallbackDeps['getRules'],
  lines: Record<string, unknown>[],
  overrides: Partial<CallbackDeps> = {},
): CallbackDeps {
  return {
    functionName: 'inbound',
    origin: 'inbound',
    buildVersion: 'test',
    getConfig: () => config,
    getCallbackSecrets: () => [],
    getRules,
    now: () => Date.now(),
    log: createLogger((line) => lines.push(JSON.parse(line) as Record<string, unknown>), 'info'),
    recent: new RecentKeys(16),
    instance: { answered: 0 },
    ...overrides,
  };
}
