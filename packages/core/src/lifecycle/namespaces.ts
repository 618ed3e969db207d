import { SkiffError, invalidArgument } from '@skiff/plugin';
import type { ContainerConfig, ContainerRecord } from '../state/record.js';
import { isAlive, type Host } from './host.js';

/** --pid and --ipc as stored: the host's namespace, or another container's (by id). Absent: a new one. */
export type NamespaceMode = 'host' | `container:${string}`;

/** docker's --pid (host, container:NAME) and --ipc (private, shareable, host, container:NAME), checked at create. */
export async function namespaceModes(host: Host, options: { pid?: string; ipc?: string }): Promise<Pick<ContainerConfig, 'pidMode' | 'ipcMode'>> {
  const mode = async (value: string | undefined, flag: '--pid' | '--ipc'): Promise<NamespaceMode | undefined> => {
    if (value === undefined || value === '' || (flag === '--ipc' && (value === 'private' || value === 'shareable'))) return undefined;
    if (value === 'host') return 'host';
    if (value.startsWith('container:') && value.length > 'container:'.length) {
      return `container:${(await host.store.resolve(value.slice('container:'.length))).id}`;
    }
    const allowed = flag === '--pid' ? 'host or container:NAME' : 'private, shareable, host or container:NAME';
    throw invalidArgument(`invalid ${flag} mode ${JSON.stringify(value)}`, { hint: `use ${allowed}` });
  };
  const pid = await mode(options.pid, '--pid');
  const ipc = await mode(options.ipc, '--ipc');
  return { ...(pid ? { pidMode: pid } : {}), ...(ipc ? { ipcMode: ipc } : {}) };
}

/** At start: the namespace to join, as the helper's plan takes it ('host' or /proc/PID/ns/KIND). */
export async function namespacePath(host: Host, record: ContainerRecord, mode: NamespaceMode | undefined, kind: 'pid' | 'ipc'): Promise<string | undefined> {
  if (mode === undefined || mode === 'host') return mode;
  const other = await host.store.get(mode.slice('container:'.length));
  if (!other || other.status !== 'running' || !isAlive(other) || other.id === record.id) {
    throw new SkiffError('FAILED_PRECONDITION', `cannot join the ${kind} namespace of container ${other?.name ?? mode.slice(10, 22)}: it is not running`);
  }
  return `/proc/${other.pid}/ns/${kind}`;
}
