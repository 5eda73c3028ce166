import assert from 'node:assert/strict';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { after, before, describe, it } from 'node:test';
import * as v from 'valibot';
import {
  LookupRoutesSchema,
  type LookupServer,
  MASKED,
  MODES,
  parseMode,
  startLookupServer,
} from '../../dev/lookup-server';

/** The lookup stand-in as a plain HTTP client sees it: each mode's bytes, the records, a clean stop. */

type Reply = { status: number; headers: IncomingHttpHeaders; body: Buffer } | { error: string };

/** One request on a connection of its own, read to its end (or its failure). */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve) => {
    const outgoing = httpRequest(url, {
      method: options.method ?? 'GET',
      headers: options.headers,
      agent: false,
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    outgoing.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
    });
    outgoing.end(options.body);
  });
}

function answered(reply: Reply): { status: number; headers: IncomingHttpHeaders; body: Buffer } {
  assert.ok(!('error' in reply), `an answer, not ${'error' in reply ? reply.error : ''}`);
  return reply;
}

let standIn: LookupServer;
before(async () => {
  standIn = await startLookupServer({
    routes: {
      '/balance': { answer: { balance: 12.5 } },
      '/created': { answer: { id: 7 }, status: 201 },
      '/echo': { echo: true },
      '/slow': { answer: { late: true }, mode: 'slow:30' },
      '/guarded': { answer: {}, requireHeaders: { 'X-Api-Key': 'k-1' } },
    },
  });
});
after(() => standIn.stop());

describe('the lookup stand-in', () => {
  it('answers each path from its table, with its status, and a 404 for a path it does not list', async () => {
    const balance = answered(await send(`${standIn.url}/balance`));
    assert.equal(balance.status, 200);
    assert.equal(balance.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(balance.body.toString()), { balance: 12.5 });
    assert.equal(answered(await send(`${standIn.url}/created`, { method: 'POST' })).status, 201);
    assert.equal(answered(await send(`${standIn.url}/nowhere`)).status, 404);
    assert.equal(answered(await send(`${standIn.url}/nowhere?mode=slow:1`)).body.toString(), '{}');
  });

  it('echoes a request, and records it with the values of secret-looking headers masked', async () => {
    const reply = answered(
      await send(`${standIn.url}/echo?card=6222`, {
        method: 'POST',
        headers: { authorization: 'Bearer s3cret', 'x-api-key': 'k-1', 'x-region': 'east' },
        body: '{"a":1}',
      }),
    );
    assert.deepEqual(JSON.parse(reply.body.toString()), {
      method: 'POST',
      path: '/echo',
      query: { card: '6222' },
      body: { a: 1 },
    });
    const record = standIn.requests.at(-1);
    assert.equal(record?.path, '/echo');
    assert.deepEqual(record.query, { card: '6222' });
    assert.equal(record.body, '{"a":1}');
    assert.equal(record.mode, 'ok');
    assert.equal(record.headers.authorization, MASKED);
    assert.equal(record.headers['x-api-key'], MASKED);
    assert.equal(record.headers['x-region'], 'east');
  });

  it('answers 401 without a required header, 405 to other methods, 400 to an unknown mode', async () => {
    assert.equal(answered(await send(`${standIn.url}/guarded`)).status, 401);
    assert.equal(
      answered(await send(`${standIn.url}/guarded`, { headers: { 'x-api-key': 'k-1' } })).status,
      200,
    );
    assert.equal(answered(await send(`${standIn.url}/balance`, { method: 'PUT' })).status, 405);
    const unknown = answered(await send(`${standIn.url}/balance?mode=sideways`));
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.toString(), /one of ok, hang/);
  });

  it('misbehaves as each mode says, a ?mode= winning over the path’s', async () => {
    const url = (path: string) => `${standIn.url}${path}`;
    assert.deepEqual(JSON.parse(answered(await send(url('/slow'))).body.toString()), { late: true });
    assert.equal(answered(await send(url('/slow?mode=ok'))).status, 200);
    const moved = answered(await send(url('/balance?mode=redirect:307')));
    assert.equal(moved.status, 307);
    assert.equal(moved.headers.location, '/balance?followed=1');
    assert.equal(answered(await send(url('/balance?mode=status:503'))).status, 503);
    assert.equal(answered(await send(url('/x?mode=deep:3'))).body.toString(), '[[[]]]');
    assert.equal(answered(await send(url('/x?mode=deep'))).body.length, 200_000);
    assert.match(answered(await send(url('/x?mode=not-json'))).body.toString(), /^<html>/);
    assert.deepEqual(
      [...answered(await send(url('/x?mode=not-utf8'))).body],
      [0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d],
    );
    assert.equal(answered(await send(url('/x?mode=empty'))).body.length, 0);
    const huge = answered(await send(url('/x?mode=huge')));
    assert.equal(huge.headers['content-length'], undefined);
    assert.ok(huge.body.length > 4 * 1024 * 1024);
    assert.equal(JSON.parse(huge.body.toString()).length > 1_000_000, true);
    assert.ok(
      'error' in (await send(url('/x?mode=lie-length'))),
      'a body longer than it said breaks the exchange',
    );
    assert.ok('error' in (await send(url('/x?mode=lie-length:short'))), 'one shorter is cut off');
    assert.ok('error' in (await send(url('/x?mode=reset'))));
  });

  it('stops at once with hanging and trickling connections open, leaving none', async () => {
    const own = await startLookupServer();
    const hanging = send(`${own.url}/x?mode=hang`);
    const trickling = send(`${own.url}/x?mode=trickle`);
    const until = Date.now() + 1_000;
    while (own.requests.length < 2 && Date.now() < until)
      await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(own.openSockets(), 2);
    await own.stop();
    assert.equal(own.openSockets(), 0);
    assert.ok('error' in (await hanging));
    assert.ok('error' in (await trickling));
  });

  it('answers each request as a chooser picks, keeps no record when asked, and closes idle connections after idleMs', async () => {
    const seen: string[] = [];
    const own = await startLookupServer({
      record: false,
      idleMs: 50,
      routes: { '/a': { answer: { from: 'table' } } },
      chooseRoute: (request) => {
        seen.push(`${request.method} ${request.path}`);
        return request.path === '/picked' ? { answer: { from: 'chooser' }, mode: 'status:503' } : undefined;
      },
    });
    try {
      const picked = answered(await send(`${own.url}/picked`));
      assert.equal(picked.status, 503);
      assert.deepEqual(JSON.parse(answered(await send(`${own.url}/a`)).body.toString()), { from: 'table' });
      assert.deepEqual(seen, ['GET /picked', 'GET /a']);
      assert.deepEqual(own.requests, []);
      // A kept-alive connection, left idle, is closed by the stand-in.
      const agent = new Agent({ keepAlive: true });
      await new Promise<void>((resolve, reject) => {
        httpRequest(`${own.url}/a`, { agent }, (response) => {
          response.resume();
          response.on('end', resolve);
        })
          .on('error', reject)
          .end();
      });
      assert.equal(own.openSockets(), 1);
      const until = Date.now() + 1_000;
      while (own.openSockets() > 0 && Date.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(own.openSockets(), 0);
      agent.destroy();
    } finally {
      await own.stop();
    }
  });
});

describe('the lookup stand-in’s modes and table', () => {
  it('reads every mode its help lists, and nothing else', () => {
    for (const [typed] of MODES) {
      for (const text of typed.replace(/\[(.*)\]/, '').split(' ')) {
        const example = text.replace('<ms>', '250').replace('<code>', '503');
        assert.ok(parseMode(example), example);
      }
    }
    assert.deepEqual(parseMode('deep:40'), { kind: 'deep', depth: 40 });
    assert.deepEqual(parseMode('redirect:301'), { kind: 'redirect', status: 301 });
    for (const text of [
      '',
      'slow',
      'slow:x',
      'redirect:200',
      'status:42',
      'deep:0',
      'ok:1',
      'lie-length:long',
      'a:1:2',
    ]) {
      assert.equal(parseMode(text), undefined, text);
    }
  });

  it('refuses a table with a path not starting with /, an unknown field or mode', () => {
    for (const table of [
      { balance: {} },
      { '/a': { answr: 1 } },
      { '/a': { mode: 'sideways' } },
      { '/a': { status: 99 } },
    ]) {
      assert.equal(v.safeParse(LookupRoutesSchema, table).success, false, JSON.stringify(table));
    }
  });
});
