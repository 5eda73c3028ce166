import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it, type TestContext } from 'node:test';
import { type LookupServer, MASKED, startLookupServer } from '../../dev/lookup-server';
import {
  createLookupClient,
  KEEP_SETTLED_MS,
  type LookupClient,
  type LookupClientOptions,
  type LookupTask,
  lookupsInFlight,
  performLookup,
} from '../../shared/lookup/lookup-client';
import type { LookupRequest } from '../../shared/lookup/lookup-types';
import { createFakeClock } from '../support/fake-clock';
import { occupyPort } from '../support/serving-command';

/** The lookup client against the lookup stand-in (dev/lookup-server.ts), in each of its hostile modes. */

const SECRET = 'sk-live-0123456789abcdef';
const ENV: Readonly<Record<string, string>> = { LOOKUP_TOKEN: SECRET, PATH: '/usr/bin' };

let standIn: LookupServer;
before(async () => {
  standIn = await startLookupServer({
    routes: {
      '/balance': { answer: { balance: 12.5, currency: 'CNY' } },
      '/echo': { echo: true },
      '/kept': { answer: { kept: true } },
      '/secret': { answer: { owner: 'A' }, requireHeaders: { authorization: `Bearer ${SECRET}` } },
    },
  });
});
after(() => standIn.stop());

type TaskChanges = Partial<Omit<LookupTask, 'request'>> & { readonly request?: Partial<LookupRequest> };

/** A task for `path` on the stand-in (`?mode=` picks how it answers), with one attempt's usual limits. */
function task(path: string, changes: TaskChanges = {}): LookupTask {
  const { request, ...rest } = changes;
  return {
    key: `call-1|main/${path}`,
    request: {
      name: 'account',
      method: 'GET',
      url: `${standIn.url}${path}`,
      headers: [],
      timeoutMs: 2_000,
      maxBytes: 16_384,
      ...request,
    },
    attemptsSoFar: 0,
    maxAttempts: 3,
    waitMs: 1_000,
    env: (name) => ENV[name],
    ...rest,
  };
}

/** A client closed when the test ends, which must leave nothing in flight. */
function useClient(t: TestContext, options: LookupClientOptions = {}): LookupClient {
  const client = createLookupClient(options);
  t.after(() => client.close());
  return client;
}

/** The requests that reached the stand-in for `path`. */
function sentTo(path: string) {
  return standIn.requests.filter((request) => request.path === path);
}

/** Resolves once `condition` holds, within a second. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 1_000;
  while (!condition()) {
    if (Date.now() > end) assert.fail(`not within a second: ${what} (open: ${standIn.openSockets()})`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Every connection to the stand-in closed: what a client that gave up (or was closed) must leave. */
const allClosed = () => until(() => standIn.openSockets() === 0, 'every connection to the stand-in closed');

describe('the lookup client: answers', () => {
  it('answers a 2xx JSON answer with its data, status and attempt number, asking for JSON as itself', async (t) => {
    const client = useClient(t);
    assert.deepEqual(await client.perform(task('/balance')), {
      kind: 'ok',
      data: { balance: 12.5, currency: 'CNY' },
      attempts: 1,
      status: 200,
    });
    const [sent] = sentTo('/balance');
    assert.equal(sent?.method, 'GET');
    assert.equal(sent.headers.accept, 'application/json');
    assert.equal(sent.headers['user-agent'], 'vms-callflow');
    assert.equal(sent.headers['accept-encoding'], 'identity');
    assert.equal(client.inFlight(), 0);
  });

  it('sends a POST with its JSON body, and headers built from text and LOOKUP_ variables', async (t) => {
    const client = useClient(t);
    const answer = await client.perform(
      task('/echo?card=6222', {
        request: {
          method: 'POST',
          body: '{"caller":"13800000000"}',
          headers: [['X-Caller-Region', ['cn-', 'east']]],
        },
      }),
    );
    assert.deepEqual(answer, {
      kind: 'ok',
      data: { method: 'POST', path: '/echo', query: { card: '6222' }, body: { caller: '13800000000' } },
      attempts: 1,
      status: 200,
    });
    const sent = sentTo('/echo').at(-1);
    assert.equal(sent?.headers['content-type'], 'application/json');
    assert.equal(sent.headers['x-caller-region'], 'cn-east');
  });

  it('reaches an https: URL through its transport', async (t) => {
    // The transport carries the request to the plain-HTTP stand-in: what is checked is that https: is let through.
    const client = useClient(t, {
      transport: (url, options) =>
        httpRequest(new URL(`${url.pathname}${url.search}`, standIn.url), { ...options, agent: false }),
    });
    const answer = await client.perform(
      task('/balance', { request: { url: 'https://lookup.example/balance' } }),
    );
    assert.equal(answer.kind, 'ok');
  });
});

describe('the lookup client: one attempt across callbacks', () => {
  it('joins the attempt in flight for the same key: two callbacks, one request, one answer', async (t) => {
    const client = useClient(t);
    const slow = task('/joined?mode=slow:150', { waitMs: 20 });
    assert.deepEqual(await client.perform(slow), { kind: 'waiting', attempts: 1 });
    assert.deepEqual(await client.perform({ ...slow, attemptsSoFar: 1 }), { kind: 'waiting', attempts: 1 });
    assert.equal(client.inFlight(), 1);
    const answer = await client.perform({ ...slow, attemptsSoFar: 1, waitMs: 1_000 });
    assert.deepEqual(answer, { kind: 'ok', data: {}, attempts: 1, status: 200 });
    assert.equal(sentTo('/joined').length, 1);
  });

  it('answers waiting when its wait runs out, and the attempt goes on for the next callback', async (t) => {
    const client = useClient(t);
    const slow = task('/left?mode=slow:100', { waitMs: 10 });
    assert.deepEqual(await client.perform(slow), { kind: 'waiting', attempts: 1 });
    await until(() => client.inFlight() === 0, 'the attempt answered with nobody waiting');
    assert.deepEqual(await client.perform({ ...slow, attemptsSoFar: 1, waitMs: 0 }), {
      kind: 'ok',
      data: {},
      attempts: 1,
      status: 200,
    });
    assert.equal(sentTo('/left').length, 1);
  });

  it('answers waiting at once for a wait of 0, and the answer once it is in', async (t) => {
    const client = useClient(t);
    const now = task('/balance', { key: 'call-0|main/now', waitMs: 0 });
    assert.deepEqual(await client.perform(now), { kind: 'waiting', attempts: 1 });
    await until(() => client.inFlight() === 0, 'the answer is in');
    assert.equal((await client.perform(now)).kind, 'ok');
  });

  it('gives a duplicated callback the answer kept, for a minute awake, without a new request', async (t) => {
    const clock = createFakeClock();
    const client = useClient(t, { clock: clock.host });
    const kept = task('/kept', { key: 'call-2|main/kept' });
    const first = await client.perform(kept);
    assert.deepEqual(first, { kind: 'ok', data: { kept: true }, attempts: 1, status: 200 });
    assert.deepEqual(await client.perform(kept), first);
    clock.freeze(10 * 60_000);
    assert.deepEqual(await client.perform(kept), first, 'a freeze does not age it');
    assert.equal(sentTo('/kept').length, 1);
    clock.run(KEEP_SETTLED_MS + 1_000);
    assert.equal(clock.ticking(), 0, 'nothing kept, nothing ticking');
    await client.perform(kept);
    assert.equal(sentTo('/kept').length, 2, 'asked again once forgotten');
  });

  it('sends again, not joined, when the request under a key has changed, and drops the old attempt', async (t) => {
    const client = useClient(t);
    const first = task('/changed?mode=hang', { key: 'call-3|main/changed', waitMs: 0 });
    await client.perform(first);
    await until(() => sentTo('/changed').length === 1, 'the first request arrived');
    const second = task('/changed?mode=ok&v=2', { key: 'call-3|main/changed', attemptsSoFar: 1 });
    assert.deepEqual(await client.perform(second), {
      kind: 'failed',
      why: 'status',
      attempts: 2,
      status: 404,
    });
    await allClosed();
  });
});

describe('the lookup client: timeouts and connections', () => {
  it('retries a timeout at once, counting awake time, and fails with timeout after the last attempt', async (t) => {
    const clock = createFakeClock();
    const client = useClient(t, { clock: clock.host });
    const answer = client.perform(
      task('/timeout?mode=hang', { waitMs: 5_000, request: { timeoutMs: 1_000 } }),
    );
    for (let attempt = 1; attempt <= 3; attempt++) {
      await until(() => sentTo('/timeout').length === attempt, `attempt ${attempt} arrived`);
      clock.freeze(60_000);
      clock.run(900);
      assert.equal(sentTo('/timeout').length, attempt, 'frozen time and 900 ms awake are not its 1000 ms');
      clock.run(200);
    }
    assert.deepEqual(await answer, { kind: 'failed', why: 'timeout', attempts: 3 });
    await allClosed();
    clock.run(KEEP_SETTLED_MS + 1_000);
    assert.equal(clock.ticking(), 0, 'no deadline left ticking, and the answer kept forgotten');
  });

  it('fails with timeout without sending when every attempt was sent elsewhere', async (t) => {
    const client = useClient(t);
    const answer = await client.perform(task('/elsewhere', { attemptsSoFar: 3, maxAttempts: 3 }));
    assert.deepEqual(answer, { kind: 'failed', why: 'timeout', attempts: 3 });
    assert.equal(sentTo('/elsewhere').length, 0);
  });

  it('gives up a trickling answer at its deadline and closes the connection', async (t) => {
    const client = useClient(t);
    const answer = await client.perform(
      task('/trickle?mode=trickle', { maxAttempts: 1, request: { timeoutMs: 150 } }),
    );
    assert.deepEqual(answer, { kind: 'failed', why: 'timeout', attempts: 1 });
    await allClosed();
  });

  it('retries a refused connection and fails with connection after the last attempt', async (t) => {
    const client = useClient(t);
    const port = await occupyPort();
    await port.close();
    const answer = await client.perform(task('/', { request: { url: `http://127.0.0.1:${port.port}/` } }));
    assert.deepEqual(answer, { kind: 'failed', why: 'connection', attempts: 3 });
  });

  it('retries a reset connection, each time with a new attempt', async (t) => {
    const client = useClient(t);
    const answer = await client.perform(task('/reset?mode=reset', { attemptsSoFar: 1 }));
    assert.deepEqual(answer, { kind: 'failed', why: 'connection', attempts: 3 });
    assert.equal(sentTo('/reset').length, 2);
  });

  it('counts an attempt whose connection failed, then answers from the next one', async (t) => {
    const port = await occupyPort();
    await port.close();
    let sent = 0;
    const client = useClient(t, {
      transport: (url, options) =>
        httpRequest(sent++ === 0 ? new URL(`http://127.0.0.1:${port.port}/`) : url, {
          ...options,
          agent: false,
        }),
    });
    assert.deepEqual(await client.perform(task('/balance')), {
      kind: 'ok',
      data: { balance: 12.5, currency: 'CNY' },
      attempts: 2,
      status: 200,
    });
  });
});

describe('the lookup client: answers it refuses, without retrying', () => {
  it('never follows a redirect', async (t) => {
    const client = useClient(t);
    assert.deepEqual(await client.perform(task('/moved?mode=redirect')), {
      kind: 'failed',
      why: 'redirect',
      attempts: 1,
      status: 302,
    });
    assert.deepEqual(
      sentTo('/moved').map((request) => request.query),
      [{ mode: 'redirect' }],
    );
  });

  it('fails with the status of an answer other than 2xx', async (t) => {
    const client = useClient(t);
    assert.deepEqual(await client.perform(task('/down?mode=status:503')), {
      kind: 'failed',
      why: 'status',
      attempts: 1,
      status: 503,
    });
    assert.equal(sentTo('/down').length, 1);
  });

  it('refuses an answer larger than maxBytes by its Content-Length, or as its bytes arrive', async (t) => {
    const client = useClient(t);
    const small = await client.perform(task('/balance', { request: { maxBytes: 10 } }));
    assert.deepEqual(small, { kind: 'failed', why: 'too-large', attempts: 1 });
    const huge = await client.perform(task('/huge?mode=huge', { request: { maxBytes: 65_536 } }));
    assert.deepEqual(huge, { kind: 'failed', why: 'too-large', attempts: 1 });
    await allClosed();
  });

  it('reads no more than Content-Length says from a server that lies about it, and never hangs on one', async (t) => {
    const client = useClient(t);
    // Says 16 bytes and sends a megabyte: node's parser stops at 16 and the bytes after them break the
    // exchange; says 1000 and closes after 11: the answer is cut off. Either way, the connection failed.
    for (const mode of ['lie-length', 'lie-length:short']) {
      const answer = await client.perform(task(`/lie?mode=${mode}`, { maxAttempts: 1 }));
      assert.deepEqual(answer, { kind: 'failed', why: 'connection', attempts: 1 }, mode);
    }
    await allClosed();
  });

  it('refuses JSON nested deeper than MAX_ANSWER_DEPTH without parsing it', async (t) => {
    const client = useClient(t);
    const deep = await client.perform(task('/deep?mode=deep', { request: { maxBytes: 1_000_000 } }));
    assert.deepEqual(deep, { kind: 'failed', why: 'too-deep', attempts: 1 });
    assert.equal((await client.perform(task('/deep32?mode=deep:32'))).kind, 'ok');
    assert.deepEqual(await client.perform(task('/deep33?mode=deep:33')), {
      kind: 'failed',
      why: 'too-deep',
      attempts: 1,
    });
  });

  it('refuses an answer that is not UTF-8 JSON, or is empty', async (t) => {
    const client = useClient(t);
    for (const mode of ['not-json', 'not-utf8', 'empty']) {
      assert.deepEqual(await client.perform(task(`/${mode}?mode=${mode}`)), {
        kind: 'failed',
        why: 'not-json',
        attempts: 1,
      });
    }
  });
});

describe('the lookup client: what it refuses to send', () => {
  it('sends plain http: to loopback hosts only, and no URL with credentials', async (t) => {
    const client = useClient(t);
    for (const url of [
      'http://lookup.example/balance',
      'http://10.0.0.8/balance',
      'http://127.0.0.2/balance',
      'ftp://lookup.example/balance',
      'https://user:pass@lookup.example/balance',
      'not a url',
    ]) {
      assert.deepEqual(
        await client.perform(task('/balance', { request: { url } })),
        { kind: 'failed', why: 'unsendable', attempts: 0 },
        url,
      );
    }
    assert.equal(client.inFlight(), 0);
  });

  it('reads only LOOKUP_ variables, and refuses a header whose variable is unset', async (t) => {
    const client = useClient(t);
    const asked: string[] = [];
    const env = (name: string) => {
      asked.push(name);
      return ENV[name];
    };
    for (const variable of ['PATH', 'LOOKUP_MISSING', 'LOOKUP_']) {
      const answer = await client.perform(
        task('/balance', { env, request: { headers: [['authorization', ['Bearer ', { env: variable }]]] } }),
      );
      assert.deepEqual(answer, { kind: 'failed', why: 'unsendable', attempts: 0 }, variable);
    }
    assert.deepEqual(asked, ['LOOKUP_MISSING']);
  });

  it('refuses a header value with CR or LF, and a header the client sets itself', async (t) => {
    const client = useClient(t);
    for (const header of [
      ['x-note', ['a\r\nx-injected: 1']],
      ['x-note', ['a\nb']],
      ['Host', ['elsewhere.example']],
      ['content-length', ['1']],
    ] as const) {
      assert.equal(
        (await client.perform(task('/balance', { request: { headers: [header] } }))).kind,
        'failed',
        header[0],
      );
    }
  });

  it('sends a secret from the environment, and never shows it in a record or an answer', async (t) => {
    const client = useClient(t);
    const authorization = ['authorization', ['Bearer ', { env: 'LOOKUP_TOKEN' }]] as const;
    const ok = await client.perform(task('/secret', { request: { headers: [authorization] } }));
    assert.deepEqual(ok, { kind: 'ok', data: { owner: 'A' }, attempts: 1, status: 200 });
    assert.equal(sentTo('/secret')[0]?.headers.authorization, MASKED);
    const refused = await client.perform(task('/secret', { key: 'call-4|main/secret' }));
    const broken = await client.perform(
      task('/secret', {
        key: 'call-5|main/secret',
        env: () => `${SECRET}\r\n`,
        request: { headers: [authorization] },
      }),
    );
    for (const answer of [ok, refused, broken]) assert.ok(!JSON.stringify(answer).includes(SECRET));
    assert.deepEqual(refused, { kind: 'failed', why: 'status', attempts: 1, status: 401 });
    assert.deepEqual(broken, { kind: 'failed', why: 'unsendable', attempts: 0 });
    assert.ok(!JSON.stringify(standIn.requests).includes(SECRET));
  });

  it('resolves, never rejects, when the environment reader throws', async (t) => {
    const client = useClient(t);
    const env = () => {
      throw new Error(`cannot read ${SECRET}`);
    };
    const answer = await client.perform(
      task('/balance', { env, request: { headers: [['x-key', [{ env: 'LOOKUP_TOKEN' }]]] } }),
    );
    assert.deepEqual(answer, { kind: 'failed', why: 'unsendable', attempts: 0 });
  });
});

describe('the lookup client: what it keeps open', () => {
  it('aborts the least recently asked-for attempt beyond maxInFlight, closing its connection', async (t) => {
    const client = useClient(t, { maxInFlight: 2 });
    for (const key of ['a', 'b', 'c']) {
      const answer = await client.perform(task(`/bound-${key}?mode=hang`, { key, waitMs: 0 }));
      assert.deepEqual(answer, { kind: 'waiting', attempts: 1 });
      await until(() => sentTo(`/bound-${key}`).length === 1, `${key} arrived`);
    }
    assert.equal(client.inFlight(), 2);
    await until(() => standIn.openSockets() === 2, 'the oldest connection closed');
    // The call of the attempt aborted sends its next one when it asks again.
    const again = await client.perform(task('/bound-a?mode=hang', { key: 'a', waitMs: 0, attemptsSoFar: 1 }));
    assert.deepEqual(again, { kind: 'waiting', attempts: 2 });
  });

  it('aborts everything on close: a waiting callback answers waiting, every connection closes', async (t) => {
    const client = useClient(t);
    const answer = client.perform(task('/closing?mode=hang', { waitMs: 5_000 }));
    await until(() => sentTo('/closing').length === 1, 'the request arrived');
    client.close();
    assert.deepEqual(await answer, { kind: 'waiting', attempts: 1 });
    assert.equal(client.inFlight(), 0);
    await allClosed();
  });

  it('keeps a warm connection for the next lookup, and closes it on close', async (t) => {
    const client = useClient(t);
    await client.perform(task('/balance', { key: 'warm-1' }));
    await client.perform(task('/balance', { key: 'warm-2' }));
    assert.equal(standIn.openSockets(), 1, 'one connection served both');
    client.close();
    await allClosed();
  });

  it('sends again on a new connection, in the same attempt, when a kept one turns out closed', async (t) => {
    const client = useClient(t);
    await client.perform(task('/balance', { key: 'stale-1' }));
    // Closed by the server while idle, and handed out again before this side has heard of it.
    standIn.dropConnections();
    const answer = await client.perform(task('/balance', { key: 'stale-2' }));
    assert.deepEqual(answer, {
      kind: 'ok',
      data: { balance: 12.5, currency: 'CNY' },
      attempts: 1,
      status: 200,
    });
  });
});

describe('the process’s lookup client', () => {
  it('counts its attempts in flight, each ending by its deadline', async (t) => {
    const own = await startLookupServer({ routes: { '/hung': { mode: 'hang' } } });
    t.after(() => own.stop());
    assert.equal(lookupsInFlight(), 0);
    const answer = await performLookup(
      task('/hung', {
        key: 'process|main/hung',
        waitMs: 0,
        maxAttempts: 1,
        request: { url: `${own.url}/hung`, timeoutMs: 60 },
      }),
    );
    assert.deepEqual(answer, { kind: 'waiting', attempts: 1 });
    assert.equal(lookupsInFlight(), 1);
    await until(
      () => lookupsInFlight() === 0 && own.openSockets() === 0,
      'the attempt ended at its deadline',
    );
  });
});
