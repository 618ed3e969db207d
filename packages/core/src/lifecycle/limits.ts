import type { RlimitSpec } from '@skiff/native';
import { invalidArgument } from '@skiff/plugin';
import type { ContainerConfig } from '../state/record.js';
import type { CreateOptions } from './options.js';

/** The sysctls of a container's own namespaces, as docker allows them (the helper, c/sysctl.c, checks again). */
const IPC_SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);
export const ULIMIT_NAMES = ['core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack'];

export function checkSysctl(key: string, network: string, ipcShared = false): void {
  const wellFormed = /^[a-z0-9_.-]+$/.test(key) && !key.includes('..');
  if (wellFormed && (IPC_SYSCTLS.has(key) || key.startsWith('fs.mqueue.'))) {
    if (ipcShared) throw invalidArgument(`sysctl "${key}" is not allowed with --ipc host or container:`, { hint: 'the IPC namespace is not the container\'s own' });
    return;
  }
  if (wellFormed && key.startsWith('net.')) {
    if (network === 'host') throw invalidArgument(`sysctl "${key}" is not allowed in the host's network namespace`, { hint: 'drop --network host, or the sysctl' });
    if (network.startsWith('container:')) throw invalidArgument(`sysctl "${key}" is not allowed with --network container:`, { hint: 'the network namespace is not the container\'s own' });
    return;
  }
  throw invalidArgument(`sysctl "${key}" is not namespaced: the host's own would change`, {
    hint: 'allowed: kernel.msgmax, kernel.msgmnb, kernel.msgmni, kernel.sem, kernel.shmall, kernel.shmmax, kernel.shmmni, kernel.shm_rmid_forced, fs.mqueue.*, net.*',
  });
}

/** --sysctl, --ulimit and --shm-size, checked. */
export function checkedLimits(options: CreateOptions): Pick<ContainerConfig, 'sysctls' | 'ulimits' | 'shmSizeBytes'> {
  const result: Pick<ContainerConfig, 'sysctls' | 'ulimits' | 'shmSizeBytes'> = {};
  if (options.sysctls && Object.keys(options.sysctls).length) {
    for (const [key, value] of Object.entries(options.sysctls)) {
      checkSysctl(key, options.network ?? '', options.ipc !== undefined && !['', 'private', 'shareable'].includes(options.ipc));
      if (/[\n\0]/.test(value) || value.length > 4096) throw invalidArgument(`sysctl "${key}": the value must be one line`);
    }
    result.sysctls = { ...options.sysctls };
  }
  if (options.ulimits?.length) {
    for (const { name, soft, hard } of options.ulimits) {
      if (!ULIMIT_NAMES.includes(name)) throw invalidArgument(`invalid ulimit type: ${name}`);
      const ok = (v: number) => Number.isSafeInteger(v) && v >= -1;
      if (!ok(soft) || !ok(hard)) throw invalidArgument(`invalid ulimit ${name}: limits are whole numbers, -1 for unlimited`);
      const unlimited = (v: number) => (v < 0 ? Number.POSITIVE_INFINITY : v);
      if (unlimited(soft) > unlimited(hard)) throw invalidArgument(`ulimit soft limit must be less than or equal to hard limit: ${soft} > ${hard}`);
    }
    result.ulimits = options.ulimits.map((u) => ({ ...u }));
  }
  if (options.shmSizeBytes !== undefined) {
    if (!Number.isSafeInteger(options.shmSizeBytes) || options.shmSizeBytes <= 0) throw invalidArgument('--shm-size must be greater than 0');
    result.shmSizeBytes = options.shmSizeBytes;
  }
  return result;
}

/**
 * --ulimit as the helper's `rlimit` records (-1: unlimited): for the container's init and, as docker, for every
 * process exec'd in it (exec, health checks).
 */
export function planRlimits(config: Pick<ContainerConfig, 'ulimits'>): { rlimits?: RlimitSpec[] } {
  if (!config.ulimits?.length) return {};
  const value = (v: number) => (v < 0 ? 2 ** 64 - 1 : v);
  return { rlimits: config.ulimits.map((u) => ({ type: `RLIMIT_${u.name.toUpperCase()}`, soft: value(u.soft), hard: value(u.hard) })) };
}
