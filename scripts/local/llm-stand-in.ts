/**
 * Serves the language-model stand-in (dev/llm-server.ts) on 127.0.0.1 until Ctrl-C: an OpenAI-compatible
 * chat-completions endpoint that classifies with bigrams or answers from a file of scripted answers, and
 * misbehaves on demand, for trying a rules document's classifier (and what a call does when it fails)
 * without a DashScope account, and without paying for tokens.
 */
import {
  EXIT,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  refuseUsage,
  runWhenMain,
} from '../../dev/command-line';
import {
  CLASSIFIER_THRESHOLD,
  DEFAULT_API_KEY,
  DEFAULT_MODELS,
  LLM_MODE_NAMES,
  LLM_MODES,
  type LlmAnswers,
  LlmAnswersSchema,
  type LlmServer,
  type LlmServerRequest,
  parseLlmMode,
  startLlmServer,
} from '../../dev/llm-server';
import {
  describeModes,
  FREE_PORT_HOW,
  portOption,
  readAnswersFile,
  readPort,
  type ServingIo,
  startListening,
  waitUntilStopped,
} from './serving';

export const PROGRAM = {
  name: 'llm:stand-in',
  summary:
    "Serves a stand-in for an OpenAI-compatible chat-completions endpoint (DashScope's compatible mode) on 127.0.0.1: a classification answered by a deterministic classifier or a file of answers, and on demand every way a model's endpoint can fail (hang, rate limit, prose instead of JSON, a choice not offered…), until Ctrl-C.",
  single: true,
  options: {
    port: portOption('a free one'),
    key: {
      type: 'string',
      value: 'KEY',
      help: `the API key every request must carry, as Authorization: Bearer KEY (default: ${DEFAULT_API_KEY})`,
    },
    mode: {
      type: 'string',
      value: 'MODE',
      help: 'how a request whose endpoint names no mode is answered (default: ok; the modes are below)',
    },
    answers: {
      type: 'string',
      value: 'FILE',
      help: 'answers by utterance, a YAML or JSON file, given before the classifier is asked (default: none)',
    },
  },
  commands: {
    'llm:stand-in': {
      summary: 'serve the language-model stand-in',
      positionals: [0, 0],
      options: ['port', 'key', 'mode', 'answers'],
      example: '--port 9600 --key test-key --mode ok --answers answers.yaml',
      details: `
It answers POST <base>/chat/completions, <base> being /v1 (or DashScope's /compatible-mode/v1), and reads
the user message as a classification's JSON: an utterance and the choices offered. The answer, as the
message's content, is {"choice": <an id or none>, "confidence": <0 to 1>}: the answers file's for the
utterance (compared without spaces and punctuation), else a classifier's that obeys nothing the utterance
says: a choice one of whose keywords the utterance contains scores 1, else the most it shares in pairs
of characters with one of the choice's examples, description or keywords (Dice); the best choice wins,
"none" below ${CLASSIFIER_THRESHOLD}. An answers file, for example:

  我的卡丢了: {choice: lostCard, confidence: 0.95}
  帮我转人工: {choice: none, confidence: 0.9}

It refuses what DashScope refuses, before any mode: no key or another (401); a body over 1 MB (413);
a body that is no chat request (400); a model other than ${DEFAULT_MODELS.join(', ')} (404);
response_format json_object without the word "json" in the messages (400). The usage it reports is an
estimate: a prompt token for every 1.5 characters of the messages, a completion token for every 2 of
the answer, which max_tokens cuts (finish_reason "length").

A mode goes before /v1 in the endpoint (http://127.0.0.1:9600/slow:900/v1); --mode sets the one of an
endpoint that names none:

${describeModes(LLM_MODES)}

It prints one line per request (mode, model, utterance, choices, answer), never the key it was sent.`,
    },
  },
} as const satisfies ProgramSpec;

/** Serves the stand-in until stopped (Ctrl-C, or `io.stop` in a test); the exit code once closed. */
export async function main(argv: readonly string[], io: ServingIo = PROCESS_IO): Promise<number> {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const { values } = read.line;
  const port = readPort(values.port, '--port', 0);
  if ('error' in port) return refuseUsage(io, PROGRAM, 'llm:stand-in', port.error);
  const mode = values.mode ?? 'ok';
  if (parseLlmMode(mode) === undefined) {
    return refuseUsage(io, PROGRAM, 'llm:stand-in', `--mode: one of ${LLM_MODE_NAMES}; not ${mode}`);
  }
  const key = values.key ?? DEFAULT_API_KEY;
  if (!/^\S+$/.test(key)) {
    return refuseUsage(io, PROGRAM, 'llm:stand-in', '--key: a key is one word, without spaces');
  }
  const file = values.answers;
  const answers =
    file === undefined ? { ok: true as const, answers: {} } : readAnswersFile(file, LlmAnswersSchema);
  if (!answers.ok) {
    io.err(answers.errors.map((line) => `llm:stand-in: ${file}: ${line}\n`).join(''));
    return EXIT.failed;
  }
  const server = await startListening(io, 'llm:stand-in', port.port, FREE_PORT_HOW, () =>
    startLlmServer({
      port: port.port,
      apiKey: key,
      mode,
      answers: answers.answers,
      onRequest: (request) => io.out(`${describeRequest(request)}\n`),
    }),
  );
  if (server === undefined) return EXIT.failed;
  io.out(`${describeStandIn(server, { key, mode, answers: answers.answers }).join('\n')}\n`);
  await waitUntilStopped(io.stop);
  await server.close();
  return EXIT.ok;
}

/**
 * The banner: where it listens, what it answers, how a rules document's classifier points at it, and a
 * request to try. The key is printed: it is the stand-in's, typed on its command line, not a secret.
 */
export function describeStandIn(
  server: Pick<LlmServer, 'url' | 'urlIn'>,
  settings: { readonly key: string; readonly mode: string; readonly answers: LlmAnswers },
): string[] {
  const scripted = Object.keys(settings.answers).length;
  const model = DEFAULT_MODELS[0] ?? 'stand-in';
  const body = JSON.stringify({
    model,
    messages: [
      {
        role: 'user',
        content: JSON.stringify({
          utterance: '我的卡丢了',
          choices: [{ id: 'lostCard', keywords: ['丢了'] }],
        }),
      },
    ],
  });
  return [
    `LLM stand-in on ${server.url} (mode ${settings.mode}, key ${settings.key}), answering with ${
      scripted === 0 ? 'the classifier' : `${scripted} scripted answer(s), then the classifier`
    }.`,
    "Point a rules document's classifier at it, with the key in the environment variable it reads:",
    '',
    '  classifier:',
    `    endpoint: ${server.url}`,
    `    model: ${model}`,
    '',
    `A mode goes before /v1 (npm run llm:stand-in -- --help lists them): ${server.urlIn('slow:900')}, or`,
    '',
    `  curl -i ${server.urlIn('rate-limit')}/chat/completions -H 'Authorization: Bearer ${settings.key}' -H 'Content-Type: application/json' -d '${body}'`,
    '',
    'Ctrl-C stops it.',
  ];
}

/** One request as printed: path, mode, model, the utterance and choices, and the answer or the refusal. */
export function describeRequest(request: LlmServerRequest): string {
  const head = `${request.method} ${request.path} (${request.mode})`;
  if (request.refused !== undefined) {
    return `${head}: refused ${request.refused}${request.authorized ? '' : ', no key or another'}`;
  }
  const asked =
    request.utterance === undefined
      ? 'no classification in the user message'
      : `${JSON.stringify(request.utterance)} [${request.choices.join(', ')}]`;
  const answer =
    request.answer === undefined ? '' : ` -> ${request.answer.choice} ${request.answer.confidence}`;
  return `${head} ${request.model ?? ''}: ${asked}${answer}`;
}

runWhenMain(import.meta.filename, main);
