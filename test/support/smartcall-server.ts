import { createHmac } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { readBody, type StandInHttp, sendJson, sendText, serveStandIn } from '../../dev/stand-in-http';
import { stringToSign } from '../../dev/vms-api-server';

/**
 * A tiny SmartCall endpoint for the client's and the caller's tests (the real stand-in is
 * dev/vms-api-server.ts, whose string to sign it uses): it checks each request's signature (signature 1.0,
 * HMAC-SHA1 with `ACCESS_KEY_SECRET`), keeps its parameters, and answers as `answer` says for it.
 */
export const ACCESS_KEY_ID = 'LTAI-test-caller';
export const ACCESS_KEY_SECRET = 'test-caller-secret';

/** How to answer one request. */
export type Answer =
  | 'placed'
  | 'hang'
  | 'reset'
  | 'html-503'
  | 'too-large'
  | 'no-call-id'
  | { readonly code: string; readonly http: number; readonly message?: string };

export type SmartCallServer = StandInHttp & {
  /** Every request's parameters, as received, in order. */
  readonly requests: Record<string, string>[];
  /** Requests whose signature did not verify. */
  readonly badSignatures: () => number;
};

/** Checks a signed RPC form body with the stand-in's signature 1.0; its parameters when the signature holds. */
function verify(body: string): Record<string, string> | undefined {
  const params = new Map(new URLSearchParams(body));
  const expected = createHmac('sha1', `${ACCESS_KEY_SECRET}&`)
    .update(stringToSign('POST', params))
    .digest('base64');
  if (params.get('Signature') !== expected) return undefined;
  return Object.fromEntries(params);
}

export async function serveSmartCall(
  answer: (params: Record<string, string>, index: number) => Answer,
): Promise<SmartCallServer> {
  const requests: Record<string, string>[] = [];
  let bad = 0;
  const server = await serveStandIn(async (req, res) => {
    const { text } = await readBody(req, 64 * 1024);
    const params = verify(text);
    if (params === undefined) {
      bad++;
      sendJson(res, 400, { RequestId: 'req-bad', Code: 'SignatureDoesNotMatch', Message: 'bad signature' });
      return;
    }
    requests.push(params);
    reply(res, answer(params, requests.length - 1), requests.length);
  });
  return { ...server, requests, badSignatures: () => bad };
}

function reply(res: ServerResponse, answer: Answer, n: number): void {
  const RequestId = `req-${n}`;
  switch (answer) {
    case 'placed':
      sendJson(res, 200, {
        RequestId,
        Code: 'OK',
        Message: 'OK',
        CallId: `130301340124^${String(n).padStart(12, '0')}`,
      });
      return;
    case 'hang':
      return;
    case 'reset':
      res.socket?.resetAndDestroy();
      return;
    case 'html-503':
      sendText(res, 503, 'text/html', '<html><body>Service Unavailable</body></html>');
      return;
    case 'too-large':
      sendJson(res, 200, {
        RequestId,
        Code: 'OK',
        CallId: `130301340124^${String(n).padStart(12, '0')}`,
        padding: 'x'.repeat(70 * 1024),
      });
      return;
    case 'no-call-id':
      sendJson(res, 200, { RequestId, Code: 'OK' });
      return;
    default:
      sendJson(res, answer.http, { RequestId, Code: answer.code, Message: answer.message ?? answer.code });
  }
}
