import type { Resources } from '@skiff/cgroups';
import { invalidArgument } from '@skiff/plugin';
import { NAME_PATTERN } from '../ids.js';
import { withContainerLock } from '../state/lock.js';
import type { ContainerRecord } from '../state/record.js';
import { containerEvent } from '../state/events.js';
import { cgroupOf } from './cgroup.js';
import { isAlive, type Host } from './host.js';

/**
 * `docker update`: new limits are kept in the record (for later starts) and, while it runs, written to the
 * container's cgroup. Returns what the cgroup could not apply as strictly as asked.
 */
export async function updateContainer(host: Host, reference: string, resources: Resources): Promise<string[]> {
  const found = await host.store.resolve(reference);
  return withContainerLock(host.roots, found.id, async () => {
    const record = (await host.store.get(found.id))!;
    const merged = { ...record.config.resources, ...resources };
    if (merged.memory !== undefined && merged.memory > 0 && merged.memorySwap !== undefined && merged.memorySwap > 0 && merged.memorySwap < merged.memory) {
      throw invalidArgument('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
    }
    let warnings: string[] = [];
    if (record.status === 'running' && isAlive(record)) warnings = (await cgroupOf(record).set(resources)).warnings;
    record.config.resources = merged;
    await host.store.save(record);
    containerEvent(host.roots, 'update', record);
    return warnings;
  });
}

/** `docker rename`: the new name is reserved first (exclusively), then the record changes, then the old name goes. */
export async function renameContainer(host: Host, reference: string, name: string): Promise<ContainerRecord> {
  const found = await host.store.resolve(reference);
  if (!NAME_PATTERN.test(name)) throw invalidArgument(`invalid container name ${JSON.stringify(name)}: use [a-zA-Z0-9][a-zA-Z0-9_.-], at most 128 characters`);
  if (name === found.name) throw invalidArgument('Renaming a container with the same name as its current name');
  return withContainerLock(host.roots, found.id, async () => {
    const record = (await host.store.get(found.id))!;
    await host.store.reserveName(name, record.id);
    const old = record.name;
    record.name = name;
    try {
      await host.store.save(record);
    } catch (error) {
      host.store.releaseName(name, record.id);
      throw error;
    }
    host.store.releaseName(old, record.id);
    containerEvent(host.roots, 'rename', record, { oldName: `/${old}` });
    return record;
  });
}
