import { existsSync } from 'node:fs';
import { pollUntil } from '@skiff/plugin';
import type { ContainerRecord } from '../state/record.js';
import { finishContainer } from './finish.js';
import { files, isAlive, type Host } from './host.js';
import { killContainer, waitGone } from './signal.js';

/**
 * Brings a container whose init is dead (or dying) to `stopped`: waits briefly for whoever witnessed the exit
 * (the attached CLI, or the supervisor's status file) so the real exit code is kept, then finishes it here.
 */
export async function settle(host: Host, record: ContainerRecord): Promise<ContainerRecord | undefined> {
  if (record.detached) {
    await pollUntil(() => existsSync(files(host, record.id).exitStatus), 2_000);
  } else {
    await pollUntil(async () => (await host.store.get(record.id))?.status !== 'running', 5_000);
  }
  const current = await host.store.get(record.id);
  if (current?.status !== 'running') return current;
  return finishContainer(host, record.id);
}

/** docker stop: SIGTERM, then SIGKILL after `timeoutSeconds`; every process of the container is gone after. */
export async function stopContainer(host: Host, reference: string, timeoutSeconds = 10): Promise<ContainerRecord | undefined> {
  const record = await host.store.resolve(reference);
  if (record.status !== 'running') return record;
  if (isAlive(record)) {
    await killContainer(record, 'SIGTERM').catch(() => {});
    if (!(await waitGone(record, timeoutSeconds * 1000))) {
      await killContainer(record, 'SIGKILL').catch(() => {});
      await waitGone(record, 10_000);
    }
  }
  return settle(host, record);
}

/** docker wait: resolves with the exit code once the container has stopped. */
export async function waitContainer(host: Host, reference: string): Promise<number> {
  const record = await host.store.resolve(reference);
  let last: ContainerRecord | undefined = record;
  await pollUntil(async () => {
    last = await host.store.get(record.id);
    if (!last || last.status !== 'running') return true;
    if (!isAlive(last)) {
      last = await settle(host, last);
      return true;
    }
    return false;
  }, Number.POSITIVE_INFINITY);
  return last?.exitCode ?? 0;
}
