import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  branchTaken,
  countedDigits,
  enteredNode,
  handlerHeard,
  intentExcluded,
  lookupAnswered,
  lookupFailed,
  lookupUnusable,
  lookupWaiting,
  noHolidayDataNote,
  readBranchTaken,
  readCountedDigits,
  readEnteredNode,
  readHandlerHeard,
  readIntentExcluded,
  readLookupLine,
  readNoHolidayDataNote,
  readRetriesUsedUp,
  retriesUsedUp,
} from '../../shared/flow/trace-phrases';

describe('the trace phrases tools read back', () => {
  it('reads back what the engine writes, and nothing from other lines', () => {
    assert.equal(readEnteredNode(enteredNode('askPin', 'collect')), 'askPin');
    assert.equal(readBranchTaken(branchTaken(2, 'vip')), 2);
    assert.equal(readBranchTaken(branchTaken(-1, 'callBackLater')), 'else');
    assert.deepEqual(readRetriesUsedUp(retriesUsedUp('no digits', 'noInput', 'lostDesk')), {
      kind: 'noInput',
      target: 'lostDesk',
    });
    assert.deepEqual(readIntentExcluded(intentExcluded('lostCard', '不是挂失')), {
      intent: 'lostCard',
      exclude: '不是挂失',
      kind: 'intent',
    });
    assert.deepEqual(readIntentExcluded(intentExcluded('agent', '不要人工', 'handler')), {
      intent: 'agent',
      exclude: '不要人工',
      kind: 'handler',
    });
    assert.deepEqual(readHandlerHeard(handlerHeard('agent', 'spoken key 0', 'main/agentIntro')), {
      name: 'agent',
      why: 'spoken key 0',
    });
    assert.equal(readIntentExcluded('intent lostCard (keyword 挂失) → lostIntro'), undefined);
    assert.equal(readCountedDigits(`collected pin (${countedDigits(6)}) → lostDesk`), 6);
    assert.equal(readCountedDigits(`${countedDigits(3)} do not fit → noMatch retry 1/2`), 3);
    assert.deepEqual(readNoHolidayDataNote(noHolidayDataNote('office', 2024, 'noHolidayData weekly')), {
      calendar: 'office',
      year: 2024,
    });
    for (const other of [
      'key 1 → askCard',
      'transfer to 059****0110',
      'line service (by number dialled) → flow main',
    ])
      assert.deepEqual(
        [readEnteredNode, readBranchTaken, readRetriesUsedUp, readCountedDigits, readNoHolidayDataNote].map(
          (read) => read(other),
        ),
        [undefined, undefined, undefined, undefined, undefined],
      );
  });

  it('reads back what each lookup came to, and where the call went', () => {
    assert.equal(
      lookupAnswered('account', ['balance', 'state'], 'say'),
      'lookup account ok (saved balance, state) → say',
    );
    assert.deepEqual(readLookupLine(lookupAnswered('account', ['balance'], 'say')), {
      use: 'account',
      outcome: 'ok',
      target: 'say',
    });
    assert.deepEqual(readLookupLine(lookupAnswered('ping', [], 'next')), {
      use: 'ping',
      outcome: 'ok',
      target: 'next',
    });
    assert.equal(
      lookupFailed('account', 'status 503', 1, 'sorry'),
      'lookup account failed (status 503) after 1 attempt → sorry',
    );
    assert.deepEqual(readLookupLine(lookupFailed('account', 'timeout', 3, 'sorry')), {
      use: 'account',
      outcome: 'failed',
      why: 'timeout',
      target: 'sorry',
    });
    assert.deepEqual(readLookupLine(lookupUnusable('account', 'balance', 'missing', 'sorry')), {
      use: 'account',
      outcome: 'failed',
      why: 'missing balance',
      target: 'sorry',
    });
    assert.deepEqual(readLookupLine(lookupWaiting('account', 1, 'filler')), {
      use: 'account',
      outcome: 'waiting',
      hold: 'filler',
    });
    assert.deepEqual(readLookupLine(lookupWaiting('account', 2, 'short silence')), {
      use: 'account',
      outcome: 'waiting',
      hold: 'short silence',
    });
    for (const other of ['enter getAccount (lookup)', 'words while waiting for a lookup → dropped'])
      assert.equal(readLookupLine(other), undefined);
  });
});
