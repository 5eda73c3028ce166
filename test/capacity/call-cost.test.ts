import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  activeCu,
  CU_PER_INVOCATION,
  costPerMillionRequests,
  idleInstanceHourCost,
} from '../../shared/capacity/call-cost';
import { LIST_PRICE_PER_CU } from '../../shared/capacity/warm-schedule';

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-9 * Math.max(1, expected), `${actual} ≠ ${expected}`);

describe('call cost by size', () => {
  it('charges active vCPU and memory for the time a request runs', () => {
    // 0.25 vCPU and 0.25 GB for 2 s: 0.5 CU of vCPU, 0.075 CU of memory.
    close(activeCu({ cpu: 0.25, memoryMb: 256 }, 2), 0.575);
    close(activeCu({ cpu: 1, memoryMb: 1024 }, 0), 0);
  });

  it('adds the request fee, 75 CU per 10,000, to a million requests', () => {
    close(CU_PER_INVOCATION, 0.0075);
    // A request of no length still pays its fee: 7,500 CU a million, 0.15 at the list price.
    close(costPerMillionRequests({ cpu: 0.25, memoryMb: 256 }, 0, LIST_PRICE_PER_CU), 0.15);
    close(costPerMillionRequests({ cpu: 1, memoryMb: 1024 }, 0.001, 1), 1_000_000 * (0.00115 + 0.0075));
  });

  it('charges an idle provisioned instance its memory alone', () => {
    // 0.25 GB × 0.15 CU × 3,600 s = 135 CU.
    close(idleInstanceHourCost({ cpu: 0.25, memoryMb: 256 }, 1), 135);
    close(idleInstanceHourCost({ cpu: 0.05, memoryMb: 256 }, LIST_PRICE_PER_CU), 135 * LIST_PRICE_PER_CU);
  });
});
