import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  checkGenuineState,
  checkRequest,
  collectStatesOfOtherCalls,
  requestArb,
} from '../../dev/fuzz-callbacks';
import { captureLogs, type FcHandler, loadWithEnv } from '../support/fc-event';

/**
 * A quick slice of `npm run fuzz` (which runs a million): generated callbacks in every encoding, forged
 * and replayed states, and junk, through the built inbound bundle, each reply held to the properties in
 * dev/fuzz-callbacks.ts. The seed is fixed, so a failure reproduces.
 */
describe('generated requests to the inbound bundle', () => {
  let handler: FcHandler;
  let replayed: string[] = [];
  before(async () => {
    handler = await loadWithEnv('inbound', {
      STATE_SECRETS: 'fuzz-tests-state-key-0001',
      LOG_LEVEL: 'error',
    });
    ({ result: replayed } = await captureLogs(() => collectStatesOfOtherCalls(handler, 8)));
    // Without states to replay, the generator drops the replay case and the property would pass untested.
    assert.equal(replayed.length, 8);
  });

  it('follows a state it sealed itself: the positive control of the forged-state property', async () => {
    const { result } = await captureLogs(() => checkGenuineState(handler));
    assert.equal(result, undefined);
  });

  it('never throw, never 5xx, always a valid reply for a callback, 4xx for the rest, and trust no forged state', async () => {
    const { result } = await captureLogs(() =>
      fc.check(
        fc.asyncProperty(requestArb(replayed), async (request) => {
          const problem = await checkRequest(handler, request);
          if (problem !== undefined) throw new Error(problem);
        }),
        { numRuns: 400, seed: 20261130 },
      ),
    );
    assert.equal(result.failed, false, fc.defaultReportMessage(result));
  });
});
