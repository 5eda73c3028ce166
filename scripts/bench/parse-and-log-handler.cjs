'use strict';
/**
 * The baseline of the warm bench (scripts/bench/warm.ts): the least any callback handler does. It parses
 * the FC event and its form body (base64, as FC sends forms), writes one JSON log line to stdout and
 * returns a constant reply. Run by scripts/bench/warm-child.cjs exactly as the bundles are.
 */
const HEADERS = { 'content-type': 'application/json;charset=UTF-8' };
const BODY = JSON.stringify({
  result: 'success',
  msg: '成功',
  code: 200,
  data: { action: 'answer', action_code: '$tts1$', action_code_param: '{"tts1":"您好。"}' },
});

exports.handler = async (event) => {
  const fc = JSON.parse(event.toString('utf8'));
  const raw = typeof fc.body === 'string' ? fc.body : '';
  const form = new URLSearchParams(fc.isBase64Encoded === true ? Buffer.from(raw, 'base64').toString() : raw);
  const line = {
    level: 'info',
    msg: 'callback',
    time: new Date().toISOString(),
    fn: 'baseline',
    callId: form.get('call_id'),
    type: form.get('content_type'),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  return { statusCode: 200, headers: HEADERS, body: BODY, isBase64Encoded: false };
};
