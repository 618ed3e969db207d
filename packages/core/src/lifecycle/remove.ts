import type { ContainerRecord } from '../state/record.js';
import { withContainerLock } from '../state/lock.js';
import { removeTornDown, teardown } from './finish.js';
import { isAlive, type Host } from './host.js';
import { adopt } from './reconcile.js';
import { SUPERVISOR_GRACE_MS, killContainer, supervisorGone, supervisorOf, waitGone } from './signal.js';
import { thawIfPaused } from './pause.js';
import { afterStart } from './starting.js';
import { transition } from './states.js';

/**
 * Removes a container: its writable layer, volume bookkeeping, record and name; with `volumes` (rm -v) its
 * anonymous volumes too (never named volumes or host directories).
 * A running container is refused unless `force`, which kills it first.
 */
export async function removeContainer(host: Host, reference: string, options: { force: boolean; volumes?: boolean }): Promise<void> {
  const resolved = await afterStart(host, await host.store.resolve(reference));
  // A container recorded as created may in fact run (its `run -d` was killed midway): adopt it first.
  const found = resolved.status === 'created' ? await adopt(host, resolved) : resolved;
  const supervisor = supervisorOf(found);
  await killIfRunning(found, options.force);
  // Its exit command finishes the container first (outside our lock, which it needs); then we remove it.
  await supervisorGone(supervisor, SUPERVISOR_GRACE_MS);
  await withContainerLock(host.roots, found.id, async () => {
    const record = await host.store.get(found.id);
    if (!record) return;
    // It may have started meanwhile (an attached start holds the lock until its command runs).
    await killIfRunning(record, options.force);
    await teardown(host, record);
    await removeTornDown(host, record, { volumes: options.volumes ?? false });
  });
}

/** Refuses a running container, or with `force` kills it and waits until it is gone. */
async function killIfRunning(record: ContainerRecord, force: boolean): Promise<void> {
  if (record.status !== 'running' || !isAlive(record)) return;
  if (!force) transition(record.name, 'running', 'remove');
  await killContainer(record, 'SIGKILL');
  await thawIfPaused(record); // a frozen process dies of SIGKILL only once thawed
  await waitGone(record, 10_000);
}
