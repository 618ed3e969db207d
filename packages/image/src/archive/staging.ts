/** A private scratch directory under the store's tmp/ for one save or load, removed afterwards. */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { uniqueSuffix } from '../files.js';
import type { ImageStore } from '../store.js';

/**
 * Runs `action` with a fresh `<root>/tmp/<pid>-<random>` (the store's staging naming: the dir of a process that
 * died is removed by the store's next staging), removed when it settles.
 */
export async function withStaging<T>(store: ImageStore, action: (dir: string) => Promise<T>): Promise<T> {
  await mkdir(join(store.root, 'tmp'), { recursive: true, mode: 0o700 });
  const dir = join(store.root, 'tmp', uniqueSuffix());
  await mkdir(dir, { mode: 0o700 });
  try {
    return await action(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
