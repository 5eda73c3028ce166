import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkInstanceSize,
  cpuRangeFor,
  describeMissingCpu,
  memoryRangeFor,
} from '../../shared/fc/instance-size';

describe('checkInstanceSize', () => {
  it('accepts pairs within 1 to 4 GB a vCPU, at both ends', () => {
    for (const [cpu, memorySize] of [
      [0.25, 256],
      [0.1, 256],
      [0.05, 128],
      [0.1, 128],
      [0.35, 384],
      [0.35, 1408],
      [1, 1024],
      [1, 4096],
      [16, 32_768],
    ] as const)
      assert.deepEqual(checkInstanceSize('inbound', { cpu, memorySize }), [], `${cpu}/${memorySize}`);
    assert.deepEqual(checkInstanceSize('report', { cpu: 0.15, memorySize: 256, diskSize: 512 }), []);
  });

  it('refuses a ratio outside 1:1–1:4 and says what would do', () => {
    const [tooMuchCpu] = checkInstanceSize('inbound', { cpu: 0.5, memorySize: 256 });
    assert.equal(
      tooMuchCpu,
      "inbound: cpu 0.5 with memorySize 256 is outside FC's ratio of 1 to 4 GB a vCPU: with 256 MB, cpu 0.1–0.25; with cpu 0.5, memorySize 512–2048",
    );
    assert.match(checkInstanceSize('x', { cpu: 0.05, memorySize: 256 })[0] ?? '', /outside FC's ratio/);
    assert.match(checkInstanceSize('x', { cpu: 2, memorySize: 16_384 })[0] ?? '', /outside/);
  });

  it('refuses steps, bounds and types FC does not take', () => {
    const one = (props: Parameters<typeof checkInstanceSize>[1]) => checkInstanceSize('f', props);
    assert.match(one({ cpu: 0.12, memorySize: 256 })[0] ?? '', /cpu 0.12 is not a multiple of 0.05/);
    assert.match(one({ cpu: 0.01, memorySize: 128 })[0] ?? '', /cpu 0.01/);
    assert.match(one({ cpu: 17, memorySize: 32_768 })[0] ?? '', /cpu 17/);
    assert.match(
      one({ cpu: '0.25', memorySize: 256 })[0] ?? '',
      /cpu "0.25" is not a number \(write it unquoted\)/,
    );
    assert.match(one({ cpu: 0.25 })[0] ?? '', /memorySize is missing: give it with cpu/);
    assert.match(one({ cpu: 0.25, memorySize: 300 })[0] ?? '', /memorySize 300 is not a multiple of 64/);
    assert.match(one({ cpu: 0.05, memorySize: 64 })[0] ?? '', /memorySize 64/);
    assert.match(one({ cpu: 0.25, memorySize: '256' })[0] ?? '', /memorySize "256" is not a number/);
    assert.deepEqual(one({ memorySize: 256 }), []);
    // A value s computes is left to s preview; the others are still checked.
    const computed = '$' + "{env('MEMORY_SIZE', '256') * 1}";
    assert.deepEqual(one({ cpu: 0.25, memorySize: computed }), []);
    assert.equal(one({ cpu: 0.12, memorySize: computed }).length, 1);
    assert.equal(one({ cpu: computed, memorySize: 300, diskSize: 999 }).length, 2);
    assert.match(one({ cpu: 0.25, memorySize: 256, diskSize: 1024 })[0] ?? '', /diskSize 1024/);
    assert.equal(one({ cpu: 0.12, memorySize: 300 }).length, 2);
  });
});

describe('the ranges that go with a size', () => {
  it('gives the cpu values a memory size allows, in whole steps', () => {
    assert.deepEqual(cpuRangeFor(128), { min: 0.05, max: 0.1 });
    assert.deepEqual(cpuRangeFor(256), { min: 0.1, max: 0.25 });
    assert.deepEqual(cpuRangeFor(384), { min: 0.1, max: 0.35 });
    assert.deepEqual(cpuRangeFor(1024), { min: 0.25, max: 1 });
    assert.deepEqual(cpuRangeFor(32_768), { min: 8, max: 16 });
    assert.equal(cpuRangeFor(64), undefined);
  });

  it('gives the memory sizes a cpu allows, in steps of 64 MB', () => {
    assert.deepEqual(memoryRangeFor(0.05), { min: 128, max: 192 });
    assert.deepEqual(memoryRangeFor(0.25), { min: 256, max: 1024 });
    assert.deepEqual(memoryRangeFor(0.35), { min: 384, max: 1408 });
    assert.deepEqual(memoryRangeFor(16), { min: 16_384, max: 32_768 });
  });
});

describe('describeMissingCpu', () => {
  it('names the function and the shares its memory allows', () => {
    assert.match(
      describeMissingCpu('inbound', 256),
      /^inbound: no cpu: FC picks .* 256 \(it allows 0.1–0.25\)/,
    );
    assert.doesNotMatch(describeMissingCpu('inbound', 'big'), /allows/);
  });
});
