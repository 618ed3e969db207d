import { SkiffError } from '@skiff/plugin';
import { withContainerLock } from '../state/lock.js';
import { containerEvent } from '../state/events.js';
import type { ContainerRecord } from '../state/record.js';
import { cgroupOf } from './cgroup.js';
import { isAlive, type Host } from './host.js';
import { reconcile } from './reconcile.js';

/**
 * docker pause / unpause: every process of the container frozen (cgroup freezer) or thawed. The supervisor is
 * not in the container's cgroup, so it keeps running (and keeps the log). `paused` in the record is what ps and
 * inspect show; an exit clears it (finishContainer).
 */
export async function setPaused(host: Host, reference: string, paused: boolean): Promise<ContainerRecord> {
  const found = await host.store.resolve(reference);
  return withContainerLock(host.roots, found.id, async () => {
    const record = (await reconcile(host, (await host.store.get(found.id)) ?? found)) ?? found;
    if (record.status !== 'running' || !isAlive(record)) {
      throw new SkiffError('FAILED_PRECONDITION', `Container ${record.name} is not running`);
    }
    if (paused && record.paused) throw new SkiffError('FAILED_PRECONDITION', `Container ${record.name} is already paused`);
    if (!paused && !record.paused) throw new SkiffError('FAILED_PRECONDITION', `Container ${record.name} is not paused`);
    const cgroup = cgroupOf(record);
    if (paused) await cgroup.freeze();
    else await cgroup.thaw();
    const saved = { ...record, paused: paused || undefined };
    await host.store.save(saved);
    containerEvent(host.roots, paused ? 'pause' : 'unpause', saved);
    return saved;
  });
}

/** A paused container's processes see a signal only once thawed: stop and SIGKILL thaw it after signalling. */
export async function thawIfPaused(record: ContainerRecord): Promise<void> {
  if (record.paused) await cgroupOf(record).thaw().catch(() => {});
}

/** docker's message for exec into a paused container. */
export function refuseIfPaused(record: ContainerRecord): void {
  if (record.paused) {
    throw new SkiffError('FAILED_PRECONDITION', `Container ${record.id} is paused, unpause the container before exec`);
  }
}
