import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { containersDir, namesDir, stagingDir } from '../roots.js';
import { SkiffError, removeTree } from '@skiff/plugin';
import type { Host } from './host.js';
import { reconcile } from './reconcile.js';
import { removeContainer } from './remove.js';

const GRACE_MS = 60_000;

const olderThan = async (path: string, ms: number) =>
  stat(path).then((info) => Date.now() - info.mtimeMs > ms, () => false);

export interface PruneReport {
  /** Ids of stopped containers removed. */
  removed: string[];
  /** Leftovers of crashed commands cleaned: half-created container directories, dangling names. */
  repaired: string[];
}

/**
 * `skiff system prune`: reconciles every container, removes the stopped ones (never volume data, never a
 * running container), and cleans what crashed commands left half-made.
 */
export async function prune(host: Host): Promise<PruneReport> {
  const report: PruneReport = { removed: [], repaired: [] };
  for (const found of await host.store.list()) {
    const record = await reconcile(host, found);
    if (record && record.status !== 'running') {
      try {
        await removeContainer(host, record.id, { force: false });
      } catch (error) {
        // Started meanwhile: no longer prune's to remove.
        if (SkiffError.is(error, 'FAILED_PRECONDITION') && (await host.store.get(record.id))?.status === 'running') continue;
        throw error;
      }
      report.removed.push(record.id);
    }
  }
  // A directory without config.json is a create that died before its first save (or one in progress: hence
  // the age check, since a create writes its first record within milliseconds).
  const ids = await readdir(containersDir(host.roots)).catch(() => [] as string[]);
  for (const id of ids) {
    if (!(await host.store.get(id)) && (await olderThan(join(containersDir(host.roots), id), GRACE_MS))) {
      await removeTree(join(containersDir(host.roots), id));
      report.repaired.push(`container directory ${id}`);
    }
  }
  // A container directory still in staging: a create that died before moving it into place.
  for (const id of await readdir(stagingDir(host.roots)).catch(() => [] as string[])) {
    if (await olderThan(join(stagingDir(host.roots), id), GRACE_MS)) {
      await removeTree(join(stagingDir(host.roots), id));
      report.repaired.push(`staged container directory ${id}`);
    }
  }
  // A name whose container is gone.
  for (const name of await readdir(namesDir(host.roots)).catch(() => [] as string[])) {
    const owner = await host.store.resolve(name).catch(() => undefined);
    if ((!owner || owner.name !== name) && (await olderThan(join(namesDir(host.roots), name), GRACE_MS))) {
      await rm(join(namesDir(host.roots), name), { force: true });
      report.repaired.push(`name ${name}`);
    }
  }
  return report;
}
