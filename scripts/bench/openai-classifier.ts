/**
 * The alternative the classifier bench weighs against shared/classify/classifier-client.ts: the same
 * `performClassify`, made with the `openai` package (6.x, the last that runs on Node 20) pointed at the
 * endpoint's base URL, as the functions would load it lazily if they used the SDK. The bench bundles it as
 * a side file in place of `classifier-client.js` and times a cold first classifying callback with each.
 * No guard here: it measures what loading and one request cost, nothing else.
 */
import OpenAI from 'openai';
import { buildChatBody } from '../../shared/classify/classify-prompt';
import {
  type ClassifyAnswer,
  type ClassifyTask,
  failedClassification,
} from '../../shared/classify/classify-types';
import { readVerdict } from '../../shared/classify/read-verdict';

export async function performClassify(task: ClassifyTask): Promise<ClassifyAnswer> {
  const started = performance.now();
  const key = task.env(task.request.apiKeyEnv);
  if (key === undefined || key === '') return failedClassification('unsendable', 0);
  const client = new OpenAI({
    apiKey: key,
    baseURL: task.request.endpoint,
    timeout: task.waitMs,
    maxRetries: 0,
  });
  try {
    const completion = await client.chat.completions.create(JSON.parse(buildChatBody(task.request)));
    const verdict = readVerdict(completion, new Set(task.request.choices.map((choice) => choice.id)));
    const ms = performance.now() - started;
    return verdict.ok
      ? { type: 'classify', kind: 'classified', choice: verdict.choice, confidence: verdict.confidence, ms }
      : failedClassification(verdict.why, ms);
  } catch {
    return failedClassification('connection', performance.now() - started);
  }
}

/** What the status page asks of the client: this alternative keeps no guard. */
export function classifierGuards(): readonly [] {
  return [];
}
