import { readStatusFile } from '@skiff/native';
import { removeTree } from '@skiff/plugin';
import { withContainerLock } from '../state/lock.js';
import { containerEvent } from '../state/events.js';
import type { ContainerRecord } from '../state/record.js';
import { cgroupOf, destroyCgroup, validParent } from './cgroup.js';
import { removeAnonymousVolumes } from './named-volumes.js';
import { files, isAlive, storageDriver, volumeDriver, volumeRequest, type Host } from './host.js';
import { transition } from './states.js';
import { trace } from './trace.js';
import { releaseNetwork } from './network.js';

/** Whether `error`, or an error that caused it, is the disk being full. */
export function isNoSpace(error: unknown): boolean {
  for (let depth = 0, e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined; e && depth < 8; depth++, e = e.cause as typeof e) {
    if (e.code === 'ENOSPC' || /ENOSPC|no space left/i.test(String(e.message ?? ''))) return true;
  }
  return false;
}

/** Exit code recorded when a container's end was not witnessed (its supervisor was killed too). */
export const EXIT_UNKNOWN = 255;

export interface ExitInfo {
  exitCode?: number | undefined;
  finishedAtMs?: number | undefined;
}

/**
 * Tears down a container whose init has exited: kills stray processes and removes its cgroup (noting an OOM
 * kill first), releases its volumes, records the exit, and removes it all if it was started with --rm.
 * Idempotent, and safe to call from the attached CLI, from the detached supervisor's exit command, from
 * `stop`, and from reconciliation after a crash — whichever comes first does the work.
 */
export async function finishContainer(host: Host, id: string, exit: ExitInfo = {}): Promise<ContainerRecord | undefined> {
  // Already removed (say, a detached container's exit command arriving after `rm`): nothing to finish, and no
  // lock directory to create in a state root its owner may have deleted meanwhile.
  if (!(await host.store.get(id))) return undefined;
  const record = await withContainerLock(host.roots, id, async () => {
    const record = await host.store.get(id);
    // Gone already, or running again under a newer start: nothing of this run is left to finish.
    if (!record || (record.status === 'running' && isAlive(record))) return undefined;
    const status = exit.exitCode === undefined ? await readExitStatus(host, id) : exit;
    const oomKilled = validParent(record) ? await cgroupOf(record).oomKilled().catch(() => false) : false;
    await teardown(host, record);
    if (record.status === 'running') {
      record.status = transition(record.name, 'running', 'exit') as 'stopped';
      record.exitCode = status.exitCode ?? EXIT_UNKNOWN;
      record.finishedAt = new Date(status.finishedAtMs ?? Date.now()).toISOString();
      record.oomKilled = oomKilled;
      if (oomKilled) containerEvent(host.roots, 'oom', record);
      containerEvent(host.roots, 'die', record, { exitCode: String(record.exitCode) });
    } else if (record.status === 'created' && status.exitCode !== undefined) {
      // It never got as far as running its command (exec failed): it stays created, as in docker.
      record.exitCode = status.exitCode;
    }
    record.pid = undefined;
    record.pidStartTime = undefined;
    record.starting = undefined;
    record.paused = undefined;
    await host.store.save(record);
    // --rm: removed under the same lock (the record above says stopped meanwhile, and stays so if removal
    // fails, for `rm` to retry).
    if (record.config.autoRemove) await removeTornDown(host, record, { volumes: true });
    return record;
  });
  trace('finished');
  return record;
}

/** Stray processes, cgroup, volume bookkeeping: everything a run took, in that order. Idempotent. */
export async function teardown(host: Host, record: ContainerRecord): Promise<void> {
  await destroyCgroup(record);
  await releaseNetwork(host, record);
  for (let index = record.config.volumes.length - 1; index >= 0; index--) {
    const driver = await volumeDriver(host, record.config.volumes[index]!.driver);
    await driver.unmount(await volumeRequest(host, record, index));
  }
}

/** What the supervisor recorded; nothing when it did not witness the exit (killed, or an attached run). */
async function readExitStatus(host: Host, id: string): Promise<ExitInfo> {
  return (await readStatusFile(files(host, id).exitStatus).catch(() => undefined)) ?? {};
}

/**
 * Writable layer, mount point, record and name of a torn-down container, and with `volumes` (rm -v, --rm) its
 * anonymous volumes, once the record that kept them in use is gone. The caller holds its lock.
 */
export async function removeTornDown(host: Host, record: ContainerRecord, options: { volumes?: boolean } = {}): Promise<void> {
  const storage = await storageDriver(host, record.config.storageDriver);
  await storage.remove(record.id);
  await removeTree(files(host, record.id).rootfs);
  await host.store.remove(record);
  if (options.volumes) await removeAnonymousVolumes(host, record);
  trace('removed');
}
