import { pollUntil } from '@skiff/plugin';
import type { ContainerRecord } from '../state/record.js';
import { isNoSpace } from './finish.js';
import { isAlive, type Host } from './host.js';
import { settle } from './reconcile.js';
import { SUPERVISOR_GRACE_MS, killContainer, supervisorGone, supervisorOf, waitGone } from './signal.js';
import { thawIfPaused } from './pause.js';
import { afterStart } from './starting.js';

/**
 * docker stop: the container's stop signal (SIGTERM by default), then SIGKILL after `timeoutSeconds` (default: its
 * --stop-timeout, else 10); every process of the container is gone after.
 */
export async function stopContainer(host: Host, reference: string, timeout?: number): Promise<ContainerRecord | undefined> {
  const record = await afterStart(host, await host.store.resolve(reference));
  const timeoutSeconds = timeout ?? record.config.stopTimeout ?? 10;
  if (record.status !== 'running') return record;
  const supervisor = supervisorOf(record);
  if (isAlive(record)) {
    await killContainer(record, record.config.stopSignal ?? 'SIGTERM').catch(() => {});
    await thawIfPaused(record);
    if (!(await waitGone(record, timeoutSeconds * 1000))) {
      await killContainer(record, 'SIGKILL').catch(() => {});
      await waitGone(record, 10_000);
    }
  }
  // Its exit command records the exit (it needs the lock settle takes); the exit is then the witnessed one.
  if (!isAlive(record)) await supervisorGone(supervisor, SUPERVISOR_GRACE_MS);
  try {
    return await settle(host, record);
  } catch (error) {
    // It is stopped; only recording that failed, for want of space: the exit status is kept in its reserved
    // file, and the record catches up (reconcile) once there is room.
    if (isNoSpace(error) && !isAlive(record)) return undefined;
    throw error;
  }
}

export interface WaitOptions {
  /** Wait for the next exit: a created or stopped container is waited for through its next start (so `wait`
   * may be called before `start`, and no exit is missed). Default: return at once if it is not running. */
  nextExit?: boolean;
  signal?: AbortSignal;
}

/** docker wait: resolves with the exit code once the container has stopped. */
export async function waitContainer(host: Host, reference: string, options: WaitOptions = {}): Promise<number> {
  const record = await host.store.resolve(reference);
  const startedAt = record.status === 'running' ? undefined : record.startedAt;
  let last: ContainerRecord | undefined = record;
  await pollUntil(async () => {
    last = await host.store.get(record.id);
    if (!last) return true;
    if (options.nextExit && last.status !== 'running' && (last.status === 'created' || last.startedAt === startedAt)) return false;
    if (last.status !== 'running') return true;
    if (!isAlive(last)) {
      last = await settle(host, last);
      return true;
    }
    return false;
  }, Number.POSITIVE_INFINITY, { signal: options.signal });
  return last?.exitCode ?? 0;
}
