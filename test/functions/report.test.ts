import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import callReports from '../fixtures/receipts/voice-call-report.json';
import recordReports from '../fixtures/receipts/voice-record-report.json';
import voiceReports from '../fixtures/receipts/voice-report.json';
import { captureLogs, type FcHandler, fcEvent, loadWithEnv } from '../support/fc-event';

const SECRET = 'receipt-secret-0123456789';
const RECEIVED = { code: 0, msg: '接收成功' };

const push = (body: unknown, path = `/report/${SECRET}`) =>
  fcEvent({
    path,
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('report bundle', () => {
  let handler: FcHandler;
  before(async () => {
    handler = await loadWithEnv('report', { CALLBACK_SECRETS: SECRET });
  });

  it('acknowledges a batch of VoiceReport records and logs each as one masked JSON line', async () => {
    const { result, logs } = await captureLogs(() => handler(push(voiceReports)));
    assert.equal(result.statusCode, 200);
    assert.deepEqual(JSON.parse(result.body), RECEIVED);
    const receipts = logs.filter((line) => line.msg === 'receipt');
    assert.equal(receipts.length, 2);
    assert.equal(receipts[0]?.receiptType, 'VoiceReport');
    assert.equal(receipts[0]?.callee, '152****0105');
    assert.equal(receipts[0]?.duration, 43);
    assert.equal(receipts[1]?.call_id, '130301340125');
    assert.equal(receipts[1]?.status_code, 200005);
    assert.doesNotMatch(JSON.stringify(logs), /15201030105|13800138000/);
  });

  it('tells call-status and recording receipts apart, hiding DTMF and the recording link signature', async () => {
    const { logs } = await captureLogs(async () => {
      await handler(push(callReports));
      await handler(push(recordReports));
    });
    const receipts = logs.filter((line) => line.msg === 'receipt');
    assert.deepEqual(
      receipts.map((line) => line.receiptType),
      ['VoiceCallReport', 'VoiceCallReport', 'VoiceRecordReport'],
    );
    assert.equal(receipts[1]?.dtmf, '****');
    assert.equal(
      receipts[2]?.record_file,
      'https://record-bucket.oss-cn-hangzhou.aliyuncs.com/2022/08/07/rec.wav',
    );
  });

  it('acknowledges the console test push', async () => {
    const result = await handler(push({ json: 'test-content' }));
    assert.deepEqual(JSON.parse(result.body), RECEIVED);
  });

  it('keeps the good records of a batch with bad ones and says how many were skipped', async () => {
    const { result, logs } = await captureLogs(() =>
      handler(push([42, { no: 'id' }, { call_id: '1^2', status_time: 'x' }])),
    );
    assert.deepEqual(JSON.parse(result.body), RECEIVED);
    assert.equal(logs.filter((line) => line.msg === 'receipt').length, 1);
    assert.equal(logs.filter((line) => line.msg === 'receipt record skipped').length, 2);
  });

  it('bounds a junk batch: a few log lines, the first records read, acknowledged all the same', async () => {
    const junk = `[${Array(400_000).fill(0).join(',')}]`;
    const { result, logs } = await captureLogs(() => handler(push(junk)));
    assert.deepEqual(JSON.parse(result.body), RECEIVED);
    assert.equal(logs.filter((line) => line.msg === 'receipt record skipped').length, 20);
    const summary = logs.find((line) => line.msg === 'receipt batch had bad records');
    assert.deepEqual(
      {
        accepted: summary?.accepted,
        skipped: summary?.skipped,
        total: summary?.total,
        unread: summary?.unread,
      },
      { accepted: 0, skipped: 1000, total: 400_000, unread: 399_000 },
    );
    assert.ok(logs.length <= 22, `${logs.length} log lines for one push`);
  });

  it('masks numbers in every field of an accepted record, the sender’s own fields included', async () => {
    const record = {
      ...callReports[0],
      out_id: 'order-13912345678',
      extend: '{"agent":"0592-5550101"}',
      status_msg: 'callee 13700137000 busy',
    };
    const { logs } = await captureLogs(() => handler(push([record])));
    const text = JSON.stringify(logs);
    assert.equal(logs.filter((line) => line.msg === 'receipt').length, 1);
    for (const number of ['13912345678', '5550101', '13700137000'])
      assert.doesNotMatch(text, new RegExp(number));
  });

  it('never logs a skipped record as it was sent: it can hold anyone’s data', async () => {
    // Not phone numbers, which every log line masks anyway: what the skip line itself must leave out.
    const { logs } = await captureLogs(() =>
      handler(push(['QZXSKIPPED-A', 4242424242, { caller: 'QZXSKIPPED-B' }])),
    );
    assert.equal(logs.filter((line) => line.msg === 'receipt record skipped').length, 3);
    assert.doesNotMatch(JSON.stringify(logs), /QZXSKIPPED|4242424242/);
  });

  it('marks a redelivered record as a duplicate', async () => {
    const { logs } = await captureLogs(async () => {
      await handler(push(callReports.slice(0, 1)));
      await handler(push(callReports.slice(0, 1)));
    });
    const receipts = logs.filter((line) => line.msg === 'receipt');
    assert.equal(receipts[1]?.duplicate, true);
  });

  it('refuses a push without the secret with 403', async () => {
    const result = await handler(push(voiceReports, '/report'));
    assert.equal(result.statusCode, 403);
    assert.equal(JSON.parse(result.body).result, 'fail');
  });

  it('refuses a body that is not JSON with 400', async () => {
    const result = await handler(push('<xml/>'));
    assert.equal(result.statusCode, 400);
  });

  it('acknowledges an empty batch', async () => {
    assert.deepEqual(JSON.parse((await handler(push([]))).body), RECEIVED);
  });
});
