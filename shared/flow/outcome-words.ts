/**
 * The words a callback's log line uses to say what happened (`outcomes`), for analytics to count. Defined
 * here once, with their meanings; docs/operating.md lists the same table (a test compares them). A word
 * appears at most once per line, in the order things happened.
 */
export const OUTCOME_WORDS = {
  started: 'The call started a flow: a `callin` routed by its line, or an outbound call’s first event.',
  recovered: "The call's state was missing or unusable, so it started the default line again.",
  entered: 'The call moved to another node (a retry at the same node is not a move).',
  matched: 'What the caller said or pressed matched: a key, an intent, or digits a collect node took.',
  'no-input': 'Silence or no key in time: the node asks again (a retry).',
  'no-match': 'Input the node did not understand: the node asks again (a retry).',
  escalated: "A node's retries were used up: the call went to `escalateTo`, or to the goodbye.",
  'key-arming': 'The first silence after a prompt played on `answer` (or by SmartCall) armed its keys.',
  'barge-in': 'The caller talked over a prompt that allows it: the prompt was stopped.',
  guard: "A guard ended the call: the flow's `maxTurns`, `maxCallS`, or the platform's session timeout.",
  'transfer-deferred':
    'A transfer was chosen where it cannot happen yet (on `callin`): it happens on the next event.',
  transferred: 'The reply transfers the call (`transfer` or `parallel_transfer`).',
  'transfer-connected': 'The platform reported a parallel transfer connected.',
  'transfer-failed':
    "The platform reported a parallel transfer failed: the call went to the node's `onFail`.",
  'lookup-ok': "A lookup answered, and its values were saved: the call went on to the node's `next`.",
  'lookup-failed': "A lookup failed (its trace says why): the call went to the node's `onError`.",
  'lookup-waiting': 'A lookup took longer than its wait: the caller hears the filler (or a short silence).',
  classified:
    'The language model (`classifier`) chose an intent or handler for words nothing matched, or overruled a doubtful keyword match: the call went there.',
  'classifier-none':
    'The language model was asked and chose nothing, or chose below the threshold: the words count as they would without it.',
  'classifier-failed':
    'The language model gave no verdict (timeout, error, 429, an unusable answer, the guard off; the trace says which): the words count as they would without it.',
  'input-dropped': 'Words or keys arrived while the call waited for a lookup, and were dropped.',
  ended: 'The call is ending: a goodbye plays, or the reply hangs up.',
} as const;

export type OutcomeWord = keyof typeof OUTCOME_WORDS;
