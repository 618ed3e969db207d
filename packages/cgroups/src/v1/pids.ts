/**
 * v1 pids controller (after runc `fs/pids.go`).
 *
 *   <dir>/pids.max      task limit, "max" for none
 *   <dir>/pids.current  tasks now
 */
import { join } from 'node:path';
import { parseCounter, parseLimit, readText, writeText } from '../interface-files.js';
import type { CgroupFs } from '../fs.js';
import type { Resources } from '../types.js';

/** "max" for unlimited (-1 or 0, as docker), else the number. Shared with v2, whose pids.max is the same. */
export function pidsMaxValue(limit: number): string {
  return limit <= 0 ? 'max' : String(limit);
}

export class V1PidsController {
  readonly name = 'pids';
  constructor(
    readonly dir: string,
    private readonly fs: CgroupFs,
  ) {}

  set(resources: Resources): void {
    if (resources.pidsLimit !== undefined) writeText(this.fs, join(this.dir, 'pids.max'), pidsMaxValue(resources.pidsLimit));
  }

  stats(): { current: number; limit: number | null } {
    return {
      current: parseCounter(readText(this.fs, join(this.dir, 'pids.current'))),
      limit: parseLimit(readText(this.fs, join(this.dir, 'pids.max'))),
    };
  }
}
