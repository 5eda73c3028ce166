/**
 * The language-model stand-in for the bench (scripts/bench/classifier.ts), in a process of its own: the
 * bench waits in `spawnSync` while it measures, so a server in its own process could not answer. Answers
 * every classification at once (mode ok: the answer scripted for the utterance, else the stand-in's own
 * classifier's), keeping no record of the requests, and only with the key. Prints one JSON line
 * (`{"url": …}`, the endpoint's base URL), then serves until its stdin ends.
 *
 *   node --import tsx scripts/bench/llm-server.ts <api key> <answers by utterance, JSON>
 */
import * as v from 'valibot';
import { LlmAnswersSchema, startLlmServer } from '../../dev/llm-server';

async function main(): Promise<void> {
  const [apiKey = '', answers = '{}'] = process.argv.slice(2);
  const server = await startLlmServer({
    apiKey,
    record: false,
    answers: v.parse(LlmAnswersSchema, JSON.parse(answers)),
  });
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    void server.close().then(() => process.exit(0));
  });
}

void main();
