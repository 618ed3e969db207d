/**
 * v1 freezer controller (after runc `fs/freezer.go`).
 *
 *   <dir>/freezer.state   write FROZEN or THAWED; reads FREEZING while the kernel is still stopping tasks
 *
 * Freezing is asynchronous: we poll until the state reads FROZEN, re-writing FROZEN now and then (a task
 * caught in vfork can stall a freeze), and on timeout thaw again rather than leave the cgroup half frozen.
 */
import { join } from 'node:path';
import { pollUntil } from '@skiff/plugin';
import { readText, writeText } from '../interface-files.js';
import { CgroupError } from '../errors.js';
import type { CgroupFs } from '../fs.js';

export type FreezerState = 'FROZEN' | 'THAWED';

export class V1FreezerController {
  readonly name = 'freezer';
  constructor(
    readonly dir: string,
    private readonly fs: CgroupFs,
  ) {}

  private get file() {
    return join(this.dir, 'freezer.state');
  }

  state(): string {
    return readText(this.fs, this.file).trim();
  }

  async set(state: FreezerState, timeoutMs: number): Promise<void> {
    writeText(this.fs, this.file, state);
    let polls = 0;
    const done = await pollUntil(() => {
      if (this.state() === state) return true;
      if (++polls % 50 === 0) writeText(this.fs, this.file, state);
      return false;
    }, timeoutMs, { intervalMs: 2 });
    if (done) return;
    if (state === 'FROZEN') writeText(this.fs, this.file, 'THAWED');
    throw new CgroupError('UNAVAILABLE', `cgroup ${this.dir} did not reach ${state} within ${timeoutMs} ms (reads ${this.state()})`);
  }
}
