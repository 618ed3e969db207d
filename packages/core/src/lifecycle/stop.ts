import { pollUntil } from '@skiff/plugin';
import type { ContainerRecord } from '../state/record.js';
import { isAlive, type Host } from './host.js';
import { settle } from './reconcile.js';
import { killContainer, waitGone } from './signal.js';

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
