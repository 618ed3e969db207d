import { closeSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

let written = 0;

/**
 * Writes a file atomically: a temp file in the same directory, renamed over the target. A reader sees the old
 * content or the new, never a half-written file, even if the writer is killed midway. There is no fsync:
 * state is written several times per container start, and a power loss that drops the last change leaves a
 * record that reconciliation (`ps`, `system prune`) brings back in line with the processes that exist.
 * Synchronous inside (see sync-fs.ts); the temp name is unique by pid, time and a per-process counter
 * (a pid alone could meet a temp file its killed namesake left).
 */
export async function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.${written++}.tmp`);
  const fd = openSync(temp, 'wx', mode);
  try {
    writeFileSync(fd, data);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

export const writeJsonAtomic = (path: string, value: unknown) =>
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
