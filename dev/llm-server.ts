/**
 * A local stand-in for an OpenAI-compatible chat-completions endpoint (what DashScope's compatible mode
 * offers), on 127.0.0.1, speaking the classification's wire format (shared/classify/classify-prompt.ts):
 * it reads the utterance and the choices from the user message and answers `{"choice", "confidence"}`
 * from a deterministic classifier (bigrams, {@link classifyByBigrams}) or a script of answers by
 * utterance, and misbehaves on demand in every way the classifier client must survive. Tests start it
 * with {@link startLlmServer}; `npm run llm:stand-in` serves it until Ctrl-C.
 *
 * It is never kinder than the real thing: a request DashScope refuses (no key, an unknown model, a body
 * that is not a chat request, `json_object` without the word "json" in the messages) is refused here too,
 * before the mode is looked at. The mode comes from the first segment of the path, before `/v1`
 * (`http://127.0.0.1:PORT/slow:900/v1`), so that a rules document's endpoint alone picks it; without one
 * (or with DashScope's own `/compatible-mode/v1`), the server's default mode answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as v from 'valibot';
import type { ClassifyPromptInput } from '../shared/classify/classify-prompt';
import { NO_CHOICE } from '../shared/classify/classify-types';
import { normaliseSpeech } from '../shared/text/normalise-speech';
import { flood, type Later, readBody, sendBroken, sendJson, serveStandIn } from './stand-in-http';

/** How a request is answered (see {@link LLM_MODES}), read from its text by {@link parseLlmMode}. */
export type LlmMode =
  | {
      readonly kind:
        | 'ok'
        | 'hang'
        | 'rate-limit'
        | 'junk'
        | 'not-json'
        | 'huge'
        | 'off-list'
        | 'no-usage'
        | 'empty'
        | 'reset';
    }
  | { readonly kind: 'slow'; readonly ms: number }
  | { readonly kind: 'status'; readonly status: number };

/** Every mode as it is typed, and what it answers: for `--help` (and docs/reference/cli.md). */
export const LLM_MODES: readonly (readonly [typed: string, answer: string])[] = [
  ['ok', "a chat completion whose content is the JSON answer (scripted, else the classifier's)"],
  ['slow:<ms>', 'the ok answer, after <ms> milliseconds'],
  ['hang', 'nothing, ever (until the client or the stand-in closes the connection)'],
  ['status:<code>', 'that status (400 to 599), with an OpenAI error body'],
  ['rate-limit', "429, Retry-After: 1, and DashScope's Throttling.RateQuota error"],
  ['junk', '200, a completion whose content is prose, not JSON'],
  ['not-json', '200 with an HTML page'],
  ['huge', '200, a completion of 4 MB, chunked (no Content-Length)'],
  ['off-list', '200, a JSON answer naming a choice that was not offered, confidence 0.99'],
  ['no-usage', 'the ok answer without its usage'],
  ['empty', '200 with an empty body'],
  ['reset', 'the connection reset (RST), no answer'],
];

/** The modes' names, for the errors that answer an unknown one. */
export const LLM_MODE_NAMES = LLM_MODES.map(([typed]) => typed).join(', ');

const SIMPLE_MODES = [
  'ok',
  'hang',
  'rate-limit',
  'junk',
  'not-json',
  'huge',
  'off-list',
  'no-usage',
  'empty',
  'reset',
] as const;

/** A mode from its text (`slow:900`), or undefined when it is none. */
export function parseLlmMode(text: string): LlmMode | undefined {
  const simple = SIMPLE_MODES.find((name) => name === text);
  if (simple !== undefined) return { kind: simple };
  const match = /^(slow|status):(\d{1,7})$/.exec(text);
  if (match === null) return undefined;
  const number = Number(match[2]);
  if (match[1] === 'slow') return { kind: 'slow', ms: number };
  return number >= 400 && number <= 599 ? { kind: 'status', status: number } : undefined;
}

/** The JSON answer a classification asks the model for. */
export type LlmAnswer = { readonly choice: string; readonly confidence: number };

/** Scripted answers by utterance, as options or a YAML or JSON file give them. */
export const LlmAnswersSchema = v.record(
  v.pipe(v.string(), v.minLength(1, 'an utterance is not empty')),
  v.strictObject({
    choice: v.pipe(v.string(), v.minLength(1, 'a choice is an id, or none')),
    confidence: v.pipe(v.number(), v.minValue(0), v.maxValue(1)),
  }),
);
export type LlmAnswers = v.InferOutput<typeof LlmAnswersSchema>;

/** One request as the stand-in saw it: never the key, only whether it was the right one. */
export type LlmServerRequest = {
  readonly method: string;
  readonly path: string;
  /** The mode it was asked for (the path's, else the server's). */
  readonly mode: string;
  /** Whether it carried `Authorization: Bearer <the key>`. */
  readonly authorized: boolean;
  readonly model: string | undefined;
  /** The utterance and the ids of the choices, read from the user message. */
  readonly utterance: string | undefined;
  readonly choices: readonly string[];
  /** The status it was refused with, before its mode was looked at; undefined when it was not. */
  readonly refused: number | undefined;
  /** The JSON answer it was given, when its mode gives one. */
  readonly answer: LlmAnswer | undefined;
};

export type LlmServerOptions = {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** The key every request must carry as `Authorization: Bearer <key>`; `test-key` by default. */
  readonly apiKey?: string;
  /** The model names it accepts; {@link DEFAULT_MODELS} by default. */
  readonly models?: readonly string[];
  /** The mode of a request whose path names none; `ok` by default. */
  readonly mode?: string;
  /** Answers by utterance (compared normalised), consulted before the classifier. */
  readonly answers?: LlmAnswers;
  /** The largest request body taken, bytes (1 MB by default): a larger one is answered 413. */
  readonly maxBodyBytes?: number;
  /** Called with each request once it is read, before it is answered (the command prints them). */
  readonly onRequest?: (request: LlmServerRequest) => void;
  /**
   * Picks the mode of each request whose path names none, instead of `mode` (the fuzz rotates every
   * document through every mode by its model); undefined falls back to `mode`. A text that is no mode is
   * answered 404, as a mistyped mode in a path is.
   */
  readonly chooseMode?: (request: {
    readonly path: string;
    readonly model: string | undefined;
    readonly utterance: string | undefined;
  }) => string | undefined;
  /** Whether {@link LlmServer.requests} keeps every request (the default); a long run keeps none. */
  readonly record?: boolean;
  /**
   * How long an idle keep-alive connection is kept, ms (node's 5 s by default). Shorter, the open
   * connections left at any moment are the ones a client still holds in the middle of an exchange.
   */
  readonly idleMs?: number;
};

export type LlmServer = {
  /** The base URL, `http://127.0.0.1:<port>/v1`: requests go to `<url>/chat/completions`. */
  readonly url: string;
  readonly port: number;
  /** Every request, in the order they arrived (none when started with `record: false`). */
  readonly requests: readonly LlmServerRequest[];
  /** The connections open now, whatever their state: a client that gave up must have closed its own. */
  openSockets(): number;
  /** The base URL whose requests are answered in `mode`: `http://127.0.0.1:<port>/<mode>/v1`. */
  urlIn(mode: string): string;
  /** Stops listening and destroys every connection, hanging and slow ones included. */
  close(): Promise<void>;
};

export const DEFAULT_API_KEY = 'test-key';
export const DEFAULT_MODELS: readonly string[] = ['qwen-flash', 'qwen-turbo', 'qwen-plus', 'stand-in'];
/** Below this score the classifier answers `none`: two short texts sharing a word or two score about that. */
export const CLASSIFIER_THRESHOLD = 0.3;
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const HUGE_BYTES = 4 * 1024 * 1024;
/** What a model says when it ignores the JSON it was asked for. */
const JUNK_CONTENT = '好的，这位客户想要挂失。';
/** The choice `off-list` names (with a suffix if that one was offered). */
const OFF_LIST_CHOICE = 'agent_override';
const OFF_LIST_CONFIDENCE = 0.99;

/** An error as OpenAI and DashScope's compatible mode write it. */
type OpenAiError = { readonly message: string; readonly type: string; readonly code: string };
type Refusal = {
  readonly status: number;
  readonly error: OpenAiError;
  readonly headers?: Readonly<Record<string, string>>;
};

/** DashScope's answer to a request over the account's rate (with `Retry-After: 1` here). */
export const RATE_LIMIT_ERROR: OpenAiError = {
  message: 'Requests rate limit exceeded, please try again later.',
  type: 'requests',
  code: 'Throttling.RateQuota',
};

const MessageSchema = v.object({
  role: v.picklist(['system', 'user', 'assistant', 'tool']),
  content: v.string(),
});

/** A chat request, as far as the stand-in reads it; other fields are taken and ignored. */
const ChatBodySchema = v.object({
  model: v.pipe(v.string(), v.minLength(1)),
  messages: v.pipe(v.array(MessageSchema), v.minLength(1, 'messages is empty')),
  response_format: v.optional(v.object({ type: v.picklist(['text', 'json_object', 'json_schema']) })),
  max_tokens: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  temperature: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(2))),
  stream: v.optional(v.literal(false, 'the stand-in does not stream')),
});
type ChatBody = v.InferOutput<typeof ChatBodySchema>;

/** The user message's JSON: {@link ClassifyPromptInput}. */
const PromptInputSchema = v.object({
  utterance: v.string(),
  choices: v.array(
    v.object({
      id: v.string(),
      description: v.exactOptional(v.string()),
      keywords: v.exactOptional(v.array(v.string())),
      examples: v.exactOptional(v.array(v.string())),
    }),
  ),
});

/** Starts the stand-in on 127.0.0.1; resolves once it listens. Throws on an unknown default mode. */
export async function startLlmServer(options: LlmServerOptions = {}): Promise<LlmServer> {
  const defaultMode = options.mode ?? 'ok';
  if (parseLlmMode(defaultMode) === undefined) {
    throw new RangeError(`unknown mode ${defaultMode}; one of ${LLM_MODE_NAMES}`);
  }
  const apiKey = options.apiKey ?? DEFAULT_API_KEY;
  const models = options.models ?? DEFAULT_MODELS;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const scripted = new Map(
    Object.entries(options.answers ?? {}).map(([utterance, answer]) => [normaliseSpeech(utterance), answer]),
  );
  const requests: LlmServerRequest[] = [];
  let completions = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse, later: Later): Promise<void> => {
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
    const body = await readBody(req, maxBodyBytes);
    const authorized = req.headers.authorization === `Bearer ${apiKey}`;
    const chat = readChat(body.text);
    const prompt = chat.ok ? readPrompt(chat.body) : undefined;
    const named = modeOfPath(path);
    const modeText =
      named === null
        ? (options.chooseMode?.({
            path,
            model: chat.ok ? chat.body.model : undefined,
            utterance: prompt?.utterance,
          }) ?? defaultMode)
        : named;
    const checked = checkRequest({
      modeText,
      method: req.method ?? '',
      authorized,
      bytes: body.bytes,
      maxBodyBytes,
      chat,
      models,
    });
    const answer = 'refusal' in checked ? undefined : answerIn(checked.mode, prompt, scripted);
    const record: LlmServerRequest = {
      method: req.method ?? '',
      path,
      mode: modeText ?? defaultMode,
      authorized,
      model: chat.ok ? chat.body.model : undefined,
      utterance: prompt?.utterance,
      choices: prompt?.choices.map((choice) => choice.id) ?? [],
      refused: 'refusal' in checked ? checked.refusal.status : undefined,
      answer,
    };
    if (options.record !== false) requests.push(record);
    options.onRequest?.(record);
    if ('refusal' in checked) {
      sendError(res, checked.refusal);
      return;
    }
    completions += 1;
    const reply = {
      chat: checked.chat,
      id: `chatcmpl-stand-in-${completions}`,
      // Junk is the one mode whose completion carries no JSON answer (huge writes a content of its own).
      content: answer === undefined ? JUNK_CONTENT : JSON.stringify(answer),
    };
    replyIn(checked.mode, req, res, reply, later);
  };

  const http = await serveStandIn(handle, {
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }),
  });
  return {
    url: `${http.origin}/v1`,
    port: http.port,
    requests,
    openSockets: http.openSockets,
    urlIn: (mode) => `${http.origin}/${mode}/v1`,
    close: http.stop,
  };
}

/**
 * The mode text a chat path asks for: null for `/v1/chat/completions` and DashScope's
 * `/compatible-mode/v1/chat/completions` (the server's choice), `/<mode>/v1/chat/completions` that mode;
 * undefined for any other path (a mistyped mode included: it is a 404, not the default quietly).
 */
function modeOfPath(path: string): string | null | undefined {
  const match = /^(?:\/([^/]+))?\/v1\/chat\/completions$/.exec(path);
  if (match === null) return undefined;
  const prefix = match[1];
  if (prefix === undefined || prefix === 'compatible-mode') return null;
  return parseLlmMode(prefix) === undefined ? undefined : prefix;
}

type ReadChat = { readonly ok: true; readonly body: ChatBody } | { readonly ok: false; readonly why: string };

/** The body as a chat request, or why it is none. */
function readChat(text: string): ReadChat {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, why: 'the body is not JSON' };
  }
  const parsed = v.safeParse(ChatBodySchema, json);
  if (parsed.success) return { ok: true, body: parsed.output };
  const issue = parsed.issues[0];
  return { ok: false, why: `${v.getDotPath(issue) ?? 'the body'}: ${issue.message}` };
}

/** The utterance and the choices of the last user message, when it is their JSON. */
function readPrompt(chat: ChatBody): ClassifyPromptInput | undefined {
  const content = chat.messages.findLast((message) => message.role === 'user')?.content;
  if (content === undefined) return undefined;
  try {
    const parsed = v.safeParse(PromptInputSchema, JSON.parse(content));
    return parsed.success ? parsed.output : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The request's refusal, in DashScope's order (path, method, key, size, body, model, the JSON rule), or
 * its chat request and mode.
 */
function checkRequest(request: {
  readonly modeText: string | undefined;
  readonly method: string;
  readonly authorized: boolean;
  readonly bytes: number;
  readonly maxBodyBytes: number;
  readonly chat: ReadChat;
  readonly models: readonly string[];
}): { readonly refusal: Refusal } | { readonly chat: ChatBody; readonly mode: LlmMode } {
  const mode = request.modeText === undefined ? undefined : parseLlmMode(request.modeText);
  const refuse = (status: number, message: string, code: string, type = 'invalid_request_error') => ({
    refusal: { status, error: { message, type, code } },
  });
  if (mode === undefined) {
    return refuse(
      404,
      `only POST /v1/chat/completions, /compatible-mode/v1/chat/completions or /<mode>/v1/chat/completions, a mode being one of ${LLM_MODE_NAMES}`,
      'not_found',
    );
  }
  if (request.method !== 'POST') {
    return {
      refusal: { ...refuse(405, 'POST only', 'method_not_allowed').refusal, headers: { allow: 'POST' } },
    };
  }
  if (!request.authorized) return refuse(401, 'Incorrect API key provided.', 'invalid_api_key');
  if (request.bytes > request.maxBodyBytes) {
    return refuse(
      413,
      `the body is ${request.bytes} bytes; at most ${request.maxBodyBytes}`,
      'request_too_large',
    );
  }
  if (!request.chat.ok) return refuse(400, request.chat.why, 'invalid_parameter_error');
  const chat = request.chat.body;
  if (!request.models.includes(chat.model)) {
    return refuse(
      404,
      `The model \`${chat.model}\` does not exist or you do not have access to it.`,
      'model_not_found',
    );
  }
  if (
    chat.response_format?.type === 'json_object' &&
    !chat.messages.some(({ content }) => /json/i.test(content))
  ) {
    return refuse(
      400,
      "<400> InternalError.Algo.InvalidParameter: 'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'.",
      'invalid_parameter_error',
    );
  }
  return { chat, mode };
}

/**
 * The JSON answer `mode` gives (undefined when it gives none): the one scripted for the utterance
 * (`scripted` is keyed by normalised utterances), else the classifier's.
 */
function answerIn(
  mode: LlmMode,
  prompt: ClassifyPromptInput | undefined,
  scripted: ReadonlyMap<string, LlmAnswer>,
): LlmAnswer | undefined {
  switch (mode.kind) {
    case 'ok':
    case 'slow':
    case 'no-usage':
      if (prompt === undefined) return { choice: NO_CHOICE, confidence: 0 };
      return scripted.get(normaliseSpeech(prompt.utterance)) ?? classifyByBigrams(prompt);
    case 'off-list':
      return { choice: offListChoice(prompt), confidence: OFF_LIST_CONFIDENCE };
    default:
      return undefined;
  }
}

/** A choice the prompt did not offer. */
function offListChoice(prompt: ClassifyPromptInput | undefined): string {
  const offered = new Set(prompt?.choices.map((choice) => choice.id));
  let choice = OFF_LIST_CHOICE;
  while (offered.has(choice)) choice = `${choice}_`;
  return choice;
}

/** What a chat completion is made of: the request it answers, its id and the message's content. */
type Reply = { readonly chat: ChatBody; readonly id: string; readonly content: string };

/** Answers in `mode`, a request that passed every check. */
function replyIn(mode: LlmMode, req: IncomingMessage, res: ServerResponse, reply: Reply, later: Later): void {
  const socket = req.socket;
  switch (mode.kind) {
    case 'ok':
    case 'junk':
    case 'off-list':
      sendJson(res, 200, chatCompletion(reply, true));
      break;
    case 'no-usage':
      sendJson(res, 200, chatCompletion(reply, false));
      break;
    case 'slow':
      later(mode.ms, () => {
        if (!socket.destroyed) sendJson(res, 200, chatCompletion(reply, true));
      });
      break;
    case 'hang':
      break;
    case 'status':
      sendError(res, {
        status: mode.status,
        error: {
          message: `status ${mode.status}, as asked`,
          type: mode.status >= 500 ? 'server_error' : 'invalid_request_error',
          code: `stand_in_status_${mode.status}`,
        },
      });
      break;
    case 'rate-limit':
      sendError(res, { status: 429, error: RATE_LIMIT_ERROR, headers: { 'retry-after': '1' } });
      break;
    case 'huge':
      sendHuge(res, reply);
      break;
    case 'not-json':
    case 'empty':
    case 'reset':
      sendBroken(res, mode.kind);
      break;
  }
}

function sendError(res: ServerResponse, refusal: Refusal): void {
  sendJson(res, refusal.status, { error: refusal.error }, refusal.headers);
}

/**
 * A chat completion as OpenAI's and DashScope's compatible mode write it. Its usage is an estimate,
 * deterministic so that what a test or the spend guard adds up can be checked: a prompt token for every
 * 1.5 characters of the messages' contents, a completion token for every 2 characters of the answer, of
 * the order of Qwen's tokenizer on Chinese. An answer longer than `max_tokens` is cut there, its
 * `finish_reason` "length", as a model stops in the middle of its JSON.
 */
function chatCompletion(reply: Reply, withUsage: boolean): unknown {
  const { text, finishReason } = cutToMaxTokens(reply.content, reply.chat.max_tokens);
  const promptTokens = Math.ceil(
    characters(reply.chat.messages.map(({ content }) => content).join('')) / 1.5,
  );
  const completionTokens = Math.ceil(characters(text) / 2);
  return {
    ...completionHead(reply),
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: finishReason }],
    ...(withUsage
      ? {
          usage: {
            prompt_tokens: promptTokens,
            completion_tokens: completionTokens,
            total_tokens: promptTokens + completionTokens,
          },
        }
      : {}),
  };
}

function completionHead(reply: Reply) {
  return {
    id: reply.id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: reply.chat.model,
  };
}

/** The content within `maxTokens` (2 characters a token), and why the answer ended. */
function cutToMaxTokens(
  content: string,
  maxTokens: number | undefined,
): { readonly text: string; readonly finishReason: 'stop' | 'length' } {
  const chars = [...content];
  if (maxTokens === undefined || Math.ceil(chars.length / 2) <= maxTokens) {
    return { text: content, finishReason: 'stop' };
  }
  return { text: chars.slice(0, maxTokens * 2).join(''), finishReason: 'length' };
}

/** Characters as a reader counts them (code points, not UTF-16 units). */
function characters(text: string): number {
  return [...text].length;
}

/** A chat completion whose content is 4 MB, written as the client reads it. */
function sendHuge(res: ServerResponse, reply: Reply): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const head = JSON.stringify(completionHead(reply)).slice(0, -1);
  flood(
    res,
    `${head},"choices":[{"index":0,"message":{"role":"assistant","content":"`,
    Buffer.from('好'.repeat(16 * 1024)),
    HUGE_BYTES,
    '"},"finish_reason":"stop"}]}',
  );
}

/**
 * The stand-in's classifier: a bag of character bigrams, deterministic and blind to what the words ask
 * (an utterance that says "choose the agent" is only bigrams to it, which is the behaviour the prompt asks
 * of a real model). Texts are normalised as speech is (shared/text/normalise-speech.ts: no spaces or
 * punctuation, lower case, single Chinese numerals as digits). A choice scores 1 when the utterance
 * contains one of its keywords, else the best Dice coefficient of bigrams between the utterance and its
 * examples, description and keywords; the best choice wins (the first of a tie). Below
 * {@link CLASSIFIER_THRESHOLD} the answer is `none`, confident by 1 - the score; at or over it, the
 * confidence is 0.7 + 0.3 × the score, rounded: a model reports a choice it makes as confident, and a
 * document's usual threshold (0.7) then takes what the stand-in chooses.
 */
export function classifyByBigrams(input: ClassifyPromptInput): LlmAnswer {
  const utterance = normaliseSpeech(input.utterance);
  let best: { readonly id: string; readonly score: number } | undefined;
  for (const choice of input.choices) {
    const score = scoreChoice(utterance, choice);
    if (best === undefined || score > best.score) best = { id: choice.id, score };
  }
  if (best === undefined || best.score < CLASSIFIER_THRESHOLD) {
    return { choice: NO_CHOICE, confidence: round2(1 - (best?.score ?? 0)) };
  }
  return { choice: best.id, confidence: round2(0.7 + 0.3 * best.score) };
}

/** How well `utterance` (normalised) fits one choice, 0 to 1. */
function scoreChoice(utterance: string, choice: ClassifyPromptInput['choices'][number]): number {
  const keywords = (choice.keywords ?? []).map(normaliseSpeech).filter((keyword) => keyword !== '');
  if (keywords.some((keyword) => utterance.includes(keyword))) return 1;
  const texts = [...(choice.examples ?? []), choice.description ?? '', ...keywords];
  return Math.max(0, ...texts.map((text) => diceOfBigrams(utterance, normaliseSpeech(text))));
}

/** The Dice coefficient of two texts' character bigrams (as multisets): 2 × shared / (both counts). */
export function diceOfBigrams(a: string, b: string): number {
  const left = bigrams(a);
  const right = bigrams(b);
  if (left.length + right.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const pair of left) counts.set(pair, (counts.get(pair) ?? 0) + 1);
  let shared = 0;
  for (const pair of right) {
    const count = counts.get(pair) ?? 0;
    if (count > 0) {
      shared += 1;
      counts.set(pair, count - 1);
    }
  }
  return (2 * shared) / (left.length + right.length);
}

/** A text's pairs of neighbouring characters; a text of one character is its own one "pair". */
function bigrams(text: string): string[] {
  const chars = [...text];
  if (chars.length < 2) return chars;
  return chars.slice(1).map((char, i) => `${chars[i]}${char}`);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
