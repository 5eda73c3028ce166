import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { closeCpuGroups, openCpuGroups } from '../../../scripts/bench/cpu-quota';
import { memoryNeedMb, SIZES } from '../../../scripts/bench/size';
import { checkInstanceSize } from '../../../shared/fc/instance-size';

const dir = mkdtempSync(join(tmpdir(), 'bench-size-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the size bench', () => {
  it('measures only sizes FC allows, each share with the least memory it allows', () => {
    for (const size of SIZES) {
      assert.deepEqual(checkInstanceSize('bench', { cpu: size.cpu, memorySize: size.memoryMb }), []);
      assert.notDeepEqual(
        checkInstanceSize('bench', { cpu: size.cpu, memorySize: size.memoryMb - 64 }),
        [],
        `${size.cpu} vCPU would fit in less than ${size.memoryMb} MB`,
      );
    }
  });

  it('asks for the peak resident memory with half again as margin, in steps of 64 MB, at least 128', () => {
    assert.equal(memoryNeedMb(70 * 1024), 128);
    assert.equal(memoryNeedMb(100 * 1024), 192);
    assert.equal(memoryNeedMb(1024), 128);
  });

  it('says why it measures nothing where no cpu controller is mounted, and creates no group', () => {
    assert.equal(openCpuGroups([0.25], dir), `no cgroup v1 cpu controller at ${dir}`);
  });

  const controller = '/sys/fs/cgroup/cpu';
  const writable = existsSync(join(controller, 'cpu.cfs_quota_us')) && canWrite(controller);
  it('removes the groups a killed bench left, and its own when closed', {
    skip: writable ? false : 'no writable cgroup v1 cpu controller here',
  }, () => {
    // A pid that ran and ended: no bench owns the group named after it.
    const gone = spawnSync(process.execPath, ['--version']).pid;
    assert.ok(gone !== undefined);
    const orphan = join(controller, `vms-callflow-bench-${gone}-25`);
    mkdirSync(orphan);
    const groups = openCpuGroups([0.25]);
    assert.ok(Array.isArray(groups));
    assert.equal(existsSync(orphan), false);
    closeCpuGroups(groups);
    assert.ok(groups.every((group) => !existsSync(group.path)));
  });
});

function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
