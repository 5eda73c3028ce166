'use strict';
/**
 * The baseline of the cold first-reply bench: the smallest module FC could load, a `handler` answering
 * every event with the same callin reply. Run by `scripts/bench/cold-child.cjs` exactly as a bundle is,
 * so that the two differ only by what the bundle does.
 */
const BODY = JSON.stringify({
  result: 'success',
  msg: '成功',
  code: 200,
  data: { action: 'answer', action_code: '$tts1$', action_code_param: '{"tts1":"您好。"}' },
});

exports.handler = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json;charset=UTF-8' },
  body: BODY,
  isBase64Encoded: false,
});
