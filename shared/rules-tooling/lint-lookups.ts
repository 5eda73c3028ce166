import { findLookup } from '../rules/lookup-checks';
import type { Flow, Rules } from '../rules/rules-schema';
import { listLookupTexts, readLookupTemplate } from '../rules/templates';
import { type FlowVariables, findUnsetVariable } from './flow-variables';
import type { Findings } from './lint-context';

/**
 * The lookup checks that need the flows (compileRules has checked each lookup on its own): lookups
 * nothing uses, values a lookup sends that no path has saved, sensitive values put where servers log
 * them, and fillers a lookup's timing never lets be heard.
 */

/** Warns about lookups no node uses. */
export function lintLookupUse(rules: Rules, findings: Findings): void {
  const used = new Set<string>();
  for (const flow of Object.values(rules.flows)) {
    for (const node of Object.values(flow.nodes)) if (node.type === 'lookup') used.add(node.use);
  }
  for (const name of Object.keys(rules.lookups ?? {})) {
    if (used.has(name)) continue;
    findings.warnings.push({
      path: `lookups.${name}`,
      message: `no node uses this lookup; call it from a node (type: lookup, use: ${name}), or remove it`,
    });
  }
}

/** How a flow's calls start, for what a lookup can send there. */
export type LookupScope = {
  readonly variables: FlowVariables;
  readonly hasCaller: boolean;
  readonly base: string;
};

/**
 * Checks what each lookup node of a flow sends: every `{{vars.NAME}}` saved on some path to the node, a
 * `{{caller}}` that calls of the flow have, sensitive values out of the url (path and query), and a filler
 * that can be heard.
 */
export function lintFlowLookups(rules: Rules, flow: Flow, scope: LookupScope, findings: Findings): void {
  const { variables, base } = scope;
  for (const [nodeName, node] of Object.entries(flow.nodes)) {
    if (node.type !== 'lookup') continue;
    const lookup = findLookup(rules.lookups, node.use);
    if (lookup === undefined) continue;
    const path = `${base}.nodes.${nodeName}`;
    for (const { path: field, text } of listLookupTexts(lookup)) {
      for (const part of readLookupTemplate(text)) {
        if (part.kind === 'caller' && !scope.hasCaller) {
          findings.warnings.push({
            path: `${path}.use`,
            message:
              `flow ${variables.flowName} is started only by outbound calls, which carry no caller number here, ` +
              `so lookup ${node.use} sends {{caller}} (in its ${field}) empty; send another value, or remove it`,
          });
        }
        if (part.kind !== 'var') continue;
        const unset = findUnsetVariable(variables, nodeName, part.name);
        if (unset !== undefined) {
          findings.errors.push({
            path: `${path}.use`,
            message: `${unset.reason}, so lookup ${node.use} sends {{vars.${part.name}}} (in its ${field}) empty; ${unset.fix}`,
          });
        } else if (variables.saved.get(part.name)?.sensitive === true && isLoggedPart(field)) {
          lintSensitiveInUrl(`lookups.${node.use}.${field}`, part.name, findings);
        }
      }
    }
    if (node.filler !== undefined && lookup.waitMs >= lookup.timeoutMs * lookup.attempts) {
      findings.warnings.push({
        path: `${path}.filler`,
        message:
          `lookup ${node.use} ends within its wait (attempts ${lookup.attempts} × timeoutMs ${lookup.timeoutMs} ≤ ` +
          `waitMs ${lookup.waitMs}), so the answer or the failure is always there before the filler would be said; ` +
          'remove the filler, or wait less (waitMs) so that a slow answer is announced',
      });
    }
  }
}

/** The parts of a request that servers and proxies log: the url (its path) and the query. */
function isLoggedPart(field: string): boolean {
  return field === 'url' || field.startsWith('query.');
}

/** Warns once per place (a lookup may serve several flows) about a sensitive value in its url. */
function lintSensitiveInUrl(path: string, name: string, findings: Findings): void {
  if (findings.warnings.some((finding) => finding.path === path && finding.message.startsWith(`${name} `)))
    return;
  findings.warnings.push({
    path,
    message:
      `${name} is saved as sensitive, and this lookup puts it in its url, which servers and proxies log; ` +
      `send it in a POST body instead (method: POST, body: { ${name}: "{{vars.${name}}}" })`,
  });
}
