import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  branchTaken,
  countedDigits,
  enteredNode,
  noHolidayDataNote,
  readBranchTaken,
  readCountedDigits,
  readEnteredNode,
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
});
