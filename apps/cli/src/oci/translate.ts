/**
 * config.json → the helper's launch plan (the same plan `skiff run` sends), and the cgroup limits. Pure but for
 * resolving host paths (the rootfs and bind sources, canonicalised as the host sees them: the manager is
 * trusted, as runc trusts it). Everything config.json asks for is either in the plan or refused here with an
 * error naming the field; nothing is silently dropped.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import { CAPABILITIES, DEFAULT_DEV_SYMLINKS, DEFAULT_DEVICES, MountFlags, type CapabilityName, type DeviceNode, type FilesystemOp, type IdMapping, type LaunchPlan, type NamespaceSpec, type RlimitSpec } from '@skiff/native';
import { DEFAULT_DEVICE_RULES, type Resources } from '@skiff/cgroups';
import { splitMountOptions } from '@skiff/plugin';
import { OciError, unsupported } from './errors.js';
import { seccompProfile } from './seccomp.js';
import type { OciCapabilities, OciConfig, OciLinux, OciMount, OciProcess, OciResources } from './spec.js';

const NAMESPACE_TYPES = new Set(['pid', 'network', 'ipc', 'uts', 'mount', 'cgroup', 'user']);
/**
 * Propagation words, of a mount or of linux.rootfsPropagation. The container's namespace starts rprivate (rslave
 * with an [r]slave rootfsPropagation), so a mount's shared/slave applies among the container's own mounts: a
 * bind mount never propagates back to the host.
 */
const PROPAGATION_WORDS = new Set(['private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared', 'unbindable', 'runbindable']);
const REFUSED_WORDS = new Set(['idmap', 'ridmap', 'rro', 'rrw', 'rnosuid', 'rnodev', 'rnoexec', 'tmpcopyup', 'copyup', 'remount']);

/** What the cgroup the container joins looks like, for the plan's cgroup records and a `cgroup` mount. */
export interface CgroupView {
  procsFiles: string[];
  /** Controller name → the container's cgroup directory (v1: one per controller; v2: `unified`). */
  paths: Record<string, string>;
  version: 'v1' | 'v2';
}

export interface Translated {
  plan: LaunchPlan;
  resources: Resources;
}

/** Host path of the rootfs: root.path relative to the bundle, canonical. */
export function rootfsPath(bundle: string, config: OciConfig): string {
  const path = isAbsolute(config.root!.path) ? config.root!.path : join(bundle, config.root!.path);
  try {
    return realpathSync(path);
  } catch (error) {
    throw new OciError(`rootfs ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

export function namespacesOf(config: OciConfig): NamespaceSpec[] {
  const namespaces: NamespaceSpec[] = [];
  for (const ns of config.linux?.namespaces ?? []) {
    if (ns.type === 'time') throw unsupported('a time namespace');
    if (!NAMESPACE_TYPES.has(ns.type)) throw new OciError(`config.json: unknown namespace type ${JSON.stringify(ns.type)}`);
    if (namespaces.some((n) => n.type === ns.type)) throw new OciError(`config.json: namespace ${ns.type} is listed twice`);
    if (ns.path !== undefined && ns.path !== '' && !ns.path.startsWith('/')) throw new OciError(`config.json: namespace path ${ns.path} is not absolute`);
    namespaces.push(ns.path ? { type: ns.type as NamespaceSpec['type'], path: ns.path } : { type: ns.type as NamespaceSpec['type'] });
  }
  // Sharing the runtime's would build the rootfs and pivot_root in the host's mount namespace (runc does so);
  // a namespace joined by path is the container's (the helper refuses the host's).
  if (!namespaces.some((n) => n.type === 'mount')) throw unsupported('a container without a mount namespace of its own');
  return namespaces;
}

const isNew = (namespaces: NamespaceSpec[], type: NamespaceSpec['type']) => namespaces.some((n) => n.type === type && n.path === undefined);

/** One OCI mount as plan operations: a `cgroup` mount becomes the container's own cgroups, as runc shows them. */
function mountOps(bundle: string, mount: OciMount, cgroup: CgroupView): FilesystemOp[] {
  if (typeof mount.destination !== 'string' || !mount.destination.startsWith('/')) {
    throw new OciError(`config.json: mount destination ${JSON.stringify(mount.destination)} must be an absolute path`);
  }
  if (mount.uidMappings?.length || mount.gidMappings?.length) throw unsupported(`an id-mapped mount (${mount.destination})`);
  const words = mount.options ?? [];
  for (const word of words) if (REFUSED_WORDS.has(word)) throw unsupported(`mount option ${word} (on ${mount.destination})`);
  const { flags, data } = splitMountOptions(words);
  const target = posix.normalize(mount.destination);
  const type = mount.type ?? '';
  if (type === 'bind' || type === 'rbind' || flags & MountFlags.MS_BIND) {
    if (!mount.source) throw new OciError(`config.json: bind mount on ${target} has no source`);
    const source = isAbsolute(mount.source) ? mount.source : join(bundle, mount.source);
    let canonical: string;
    try {
      canonical = realpathSync(source);
    } catch (error) {
      throw new OciError(`mount source ${source} (for ${target}): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const bindFlags = flags | MountFlags.MS_BIND | (type === 'rbind' ? MountFlags.MS_REC : 0);
    // Opened by the helper component by component without following symlinks: a swap after realpath fails the start.
    return [{ op: 'mount', source: canonical, target, fstype: '', flags: bindFlags >>> 0, data: '', hostPath: {} }];
  }
  if (type === 'cgroup' || type === 'cgroup2') return cgroupMountOps(target, flags, cgroup);
  if (!type) throw new OciError(`config.json: mount on ${target} has no type`);
  return [{ op: 'mount', source: mount.source ?? type, target, fstype: type, flags, data }];
}

/**
 * runc's cgroup mount: not the host's hierarchy but the container's own cgroup. v1: a tmpfs with, per
 * controller, the container's directory bound read-only (co-mounted controllers share one directory: the
 * other names are symlinks, as on the host); v2: the container's directory bound on /sys/fs/cgroup.
 */
function cgroupMountOps(target: string, flags: number, cgroup: CgroupView): FilesystemOp[] {
  const ro = flags & MountFlags.MS_RDONLY;
  const common = MountFlags.MS_NOSUID | MountFlags.MS_NODEV | MountFlags.MS_NOEXEC;
  const bind = (source: string, at: string): FilesystemOp => ({ op: 'mount', source, target: at, fstype: '', flags: MountFlags.MS_BIND | common | ro, data: '', hostPath: {} });
  if (cgroup.version === 'v2') return cgroup.paths.unified ? [bind(cgroup.paths.unified, target)] : [];
  const ops: FilesystemOp[] = [{ op: 'mount', source: 'tmpfs', target, fstype: 'tmpfs', flags: common, data: 'mode=755' }];
  const byDir = new Map<string, string[]>();
  for (const [controller, dir] of Object.entries(cgroup.paths)) byDir.set(dir, [...(byDir.get(dir) ?? []), controller]);
  for (const [dir, controllers] of byDir) {
    // The host's directory name ("cpu,cpuacct") holds the mount; each controller name links to it.
    const mountName = dir.slice('/sys/fs/cgroup/'.length).split('/')[0]!;
    ops.push(bind(dir, `${target}/${mountName}`));
    for (const name of controllers) if (name !== mountName) ops.push({ op: 'symlink', path: `${target}/${name}`, to: mountName });
  }
  return ops;
}

const capabilityList = (names: string[] | undefined, set: string): CapabilityName[] =>
  (names ?? []).map((name) => {
    if (!Object.hasOwn(CAPABILITIES, name)) throw new OciError(`config.json: unknown capability ${JSON.stringify(name)} in process.capabilities.${set}`);
    return name as CapabilityName;
  });

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

export interface CapabilitySets {
  capabilities: CapabilityName[];
  inheritable: CapabilityName[];
  ambient: CapabilityName[];
}

/**
 * The helper's capability sets, as runc applies a config's: the bounding set (also effective and permitted
 * for root: execve gives root its bounding set anyway), the inheritable set as given, and the ambient set as
 * given (what a non-root user holds after execve). A shape execve would not keep is refused: root's effective or
 * permitted set differing from the bounding one; anything outside the bounding set (the kernel refuses an
 * inheritable capability outside it). An ambient capability the kernel refuses to raise (outside the inheritable
 * set or, for a non-root user, the permitted one) is left out with a warning, as runc does: `runc spec`'s own
 * config lists ambient capabilities and no inheritable ones.
 */
export function capabilitiesOf(caps: OciCapabilities | undefined, uid: number, warn: (message: string) => void = () => {}): CapabilitySets {
  const bounding = capabilityList(caps?.bounding, 'bounding');
  const effective = capabilityList(caps?.effective, 'effective');
  const permitted = capabilityList(caps?.permitted, 'permitted');
  const inheritable = capabilityList(caps?.inheritable, 'inheritable');
  const ambient = capabilityList(caps?.ambient, 'ambient');
  const outside = (set: CapabilityName[], of: CapabilityName[]) => set.filter((name) => !of.includes(name));
  const check = (set: CapabilityName[], of: CapabilityName[], what: string) => {
    const extra = outside(set, of);
    if (extra.length) throw unsupported(`${what} (${extra.join(', ')})`);
  };
  check([...effective, ...permitted, ...inheritable], bounding, 'effective, permitted or inheritable capabilities outside the bounding set');
  if (uid === 0 && (!sameSet(effective, bounding) || !sameSet(permitted, bounding))) {
    throw unsupported('capabilities whose effective or permitted set differs from the bounding set');
  }
  // Another user: execve leaves it its ambient set, effective and permitted, and drops the rest as runc's would.
  const raisable = ambient.filter((name) => inheritable.includes(name) && (uid === 0 || permitted.includes(name)));
  const left = outside(ambient, raisable);
  if (left.length) warn(`process.capabilities.ambient: ${left.join(', ')} not raised (not in the inheritable${uid === 0 ? '' : ' or permitted'} set)`);
  return { capabilities: bounding, inheritable, ambient: raisable };
}

export function rlimitsOf(process: OciProcess): RlimitSpec[] {
  return (process.rlimits ?? []).map((limit) => {
    if (!/^RLIMIT_[A-Z]+$/.test(limit.type)) throw new OciError(`config.json: bad rlimit type ${JSON.stringify(limit.type)}`);
    return { type: limit.type, soft: limit.soft, hard: limit.hard };
  });
}

export const consoleSizeOf = (process: OciProcess) =>
  process.terminal && process.consoleSize ? { cols: process.consoleSize.width, rows: process.consoleSize.height } : undefined;

/** The process fields exec and create share: refuses what the helper cannot do. */
export function checkProcess(process: OciProcess): void {
  if (!Array.isArray(process.args) || process.args.length === 0) throw new OciError('config.json: process.args must name a command');
  if (process.commandLine) throw unsupported('process.commandLine');
  if (process.selinuxLabel) throw unsupported('process.selinuxLabel (no SELinux on this host)');
  if (process.apparmorProfile) throw unsupported('process.apparmorProfile');
  if (process.ioPriority) throw unsupported('process.ioPriority');
  if (process.scheduler) throw unsupported('process.scheduler');
  if (process.execCPUAffinity) throw unsupported('process.execCPUAffinity');
  if (typeof process.cwd !== 'string' || !process.cwd.startsWith('/')) throw new OciError('config.json: process.cwd must be an absolute path');
}

export function resourcesOf(resources: OciResources | undefined): Resources {
  const out: Resources = {};
  if (!resources) return out;
  const refuse = (what: string) => unsupported(`linux.resources.${what}`);
  if (resources.blockIO && Object.keys(resources.blockIO).length) throw refuse('blockIO');
  if (resources.hugepageLimits?.length) throw refuse('hugepageLimits');
  if (resources.network && Object.keys(resources.network).length) throw refuse('network');
  if (resources.rdma && Object.keys(resources.rdma).length) throw refuse('rdma');
  if (resources.unified && Object.keys(resources.unified).length) throw refuse('unified');
  const { memory, cpu, pids } = resources;
  if (memory) {
    if (memory.reservation) throw refuse('memory.reservation');
    if (memory.kernel || memory.kernelTCP) throw refuse('memory.kernel');
    if (memory.swappiness !== undefined && memory.swappiness !== null && memory.swappiness <= 100) throw refuse('memory.swappiness');
    if (memory.disableOOMKiller) throw refuse('memory.disableOOMKiller');
    if (memory.limit !== undefined) out.memory = memory.limit;
    if (memory.swap !== undefined) out.memorySwap = memory.swap;
  }
  if (cpu) {
    if (cpu.realtimeRuntime || cpu.realtimePeriod) throw refuse('cpu.realtime*');
    if (cpu.burst) throw refuse('cpu.burst');
    if (cpu.idle) throw refuse('cpu.idle');
    if (cpu.shares) out.cpuShares = cpu.shares;
    if (cpu.quota !== undefined && cpu.quota !== 0) out.cpuQuota = cpu.quota;
    if (cpu.period) out.cpuPeriod = cpu.period;
    if (cpu.cpus) out.cpusetCpus = cpu.cpus;
    if (cpu.mems) out.cpusetMems = cpu.mems;
  }
  if (pids?.limit !== undefined) out.pidsLimit = pids.limit;
  if (resources.devices?.length) {
    const [first, ...rest] = resources.devices;
    const denyAll = (rule: typeof first) => !rule!.allow && (rule!.type ?? 'a') === 'a' && rule!.major == null && rule!.minor == null;
    if (!denyAll(first)) throw refuse('devices that do not start with the deny-all rule');
    const allow: string[] = [];
    for (const rule of rest) {
      if (denyAll(rule)) {
        allow.length = 0;
        continue;
      }
      if (!rule.allow) throw refuse('devices deny rules after the first');
      const number = (n: number | null | undefined) => (n == null || n < 0 ? '*' : String(n));
      allow.push(`${rule.type ?? 'a'} ${number(rule.major)}:${number(rule.minor)} ${rule.access ?? 'rwm'}`);
    }
    // The config's rules in its order (devices.list shows them so), then what runc adds to every config: its
    // AllowedDevices, the default nodes it creates and mknod of any.
    out.devices = { allow: [...new Set([...allow, ...DEFAULT_DEVICE_RULES])] };
  }
  return out;
}

/**
 * A device node of the container: made with mknod, or, in a user namespace (where mknod is refused), the host's
 * node of that path bound on it, as runc does.
 */
function deviceOp(device: DeviceNode, userNamespace: boolean): FilesystemOp {
  if (!userNamespace) return { op: 'device', ...device };
  return { op: 'mount', source: device.path, target: device.path, fstype: '', flags: MountFlags.MS_BIND, data: '', hostPath: {} };
}

const SYSCTL = /^[a-zA-Z0-9_.\/-]+$/;

export interface TranslateOptions {
  bundle: string;
  config: OciConfig;
  cgroup: CgroupView;
  /** The fifo the init waits on (state dir). */
  waitFifo: string;
  consoleSocket?: string;
  /** Where what is left out (as runc leaves it out) is reported. */
  warn?: (message: string) => void;
}

export function translate({ bundle, config, cgroup, waitFifo, consoleSocket, warn }: TranslateOptions): Translated {
  const spec = config.process!;
  const linux = config.linux ?? {};
  checkProcess(spec);
  for (const key of ['windows', 'solaris', 'vm', 'zos'] as const) if (config[key]) throw unsupported(key);
  if (linux.timeOffsets) throw unsupported('linux.timeOffsets');
  if (linux.mountLabel) throw unsupported('linux.mountLabel (no SELinux on this host)');
  if (linux.intelRdt) throw unsupported('linux.intelRdt');
  if (linux.personality) throw unsupported('linux.personality');
  if (linux.rootfsPropagation && !PROPAGATION_WORDS.has(linux.rootfsPropagation)) {
    throw new OciError(`config.json: unknown linux.rootfsPropagation ${JSON.stringify(linux.rootfsPropagation)} (private, slave, shared, unbindable, or r-prefixed)`);
  }
  if (config.hooks?.createContainer?.length) throw unsupported('hooks.createContainer');
  if (config.hooks?.startContainer?.length) throw unsupported('hooks.startContainer');
  if (spec.terminal && !consoleSocket) throw new OciError('process.terminal is true: --console-socket is required');
  if (!spec.terminal && consoleSocket) throw new OciError('--console-socket given but process.terminal is false');

  const namespaces = namespacesOf(config);
  const newUser = isNew(namespaces, 'user');
  const maps = (list: OciLinux['uidMappings'], what: string): IdMapping[] =>
    (list ?? []).map((m) => {
      if (![m.containerID, m.hostID, m.size].every((n) => Number.isInteger(n) && n >= 0 && n <= 0xffffffff)) throw new OciError(`config.json: bad linux.${what} entry ${JSON.stringify(m)}`);
      return { inside: m.containerID, outside: m.hostID, count: m.size };
    });
  const uidMappings = maps(linux.uidMappings, 'uidMappings');
  const gidMappings = maps(linux.gidMappings, 'gidMappings');
  if (newUser && (!uidMappings.length || !gidMappings.length)) throw new OciError('config.json: a new user namespace needs linux.uidMappings and linux.gidMappings');
  if (!newUser && (uidMappings.length || gidMappings.length)) throw new OciError('config.json: linux.uidMappings/gidMappings need a new user namespace');
  // In a uts namespace of the container's, new or joined by path (as runc); never the host's.
  if ((config.hostname || config.domainname) && !namespaces.some((n) => n.type === 'uts')) throw new OciError('config.json: hostname and domainname need a uts namespace of the container\'s');
  const uid = spec.user?.uid ?? 0;
  const rootfs = rootfsPath(bundle, config);
  const filesystem: FilesystemOp[] = [
    { op: 'mount', source: rootfs, target: '/', fstype: '', flags: MountFlags.MS_BIND | MountFlags.MS_REC, data: '' },
    ...(config.mounts ?? []).flatMap((mount) => mountOps(bundle, mount, cgroup)),
  ];
  // runtime-spec "Default Devices" (and runc's /dev links), on a /dev of the container's own: never onto a bound host /dev.
  const hostDev = (config.mounts ?? []).some((m) => posix.normalize(m.destination ?? '') === '/dev' && (m.type === 'bind' || m.options?.includes('bind') || m.options?.includes('rbind')));
  if (!hostDev) {
    const own = new Set((linux.devices ?? []).map((device) => device.path));
    for (const device of DEFAULT_DEVICES) if (!own.has(device.path)) filesystem.push(deviceOp(device, newUser));
    for (const link of DEFAULT_DEV_SYMLINKS) filesystem.push({ op: 'symlink', ...link });
  }
  for (const device of linux.devices ?? []) {
    if (device.type !== 'c' && device.type !== 'b' && device.type !== 'u' && device.type !== 'p') throw new OciError(`config.json: unknown device type ${JSON.stringify(device.type)} (${device.path}): c, b, u or p`);
    // runc's rule: a device lives in /dev (resolved in the container's root by the helper whatever the path).
    if (typeof device.path !== 'string' || posix.normalize(device.path) !== device.path || !device.path.startsWith('/dev/')) {
      throw new OciError(`config.json: device path ${JSON.stringify(device.path)} must be a clean path below /dev/`);
    }
    // The node is made by the container's root: owned by 0:0 there.
    if (device.uid || device.gid) throw unsupported(`device uid/gid other than 0 (${device.path})`);
    const mode = (device.fileMode ?? 0o666) & 0o7777;
    // A fifo needs no privilege: mknod works in a user namespace too, and its major/minor mean nothing.
    if (device.type === 'p') filesystem.push({ op: 'device', path: device.path, type: 'p', major: 0, minor: 0, mode });
    else filesystem.push(deviceOp({ path: device.path, type: device.type === 'b' ? 'b' : 'c', major: device.major ?? 0, minor: device.minor ?? 0, mode }, newUser));
  }
  for (const [key, value] of Object.entries(linux.sysctl ?? {})) {
    if (!SYSCTL.test(key) || key.includes('..')) throw new OciError(`config.json: bad sysctl name ${JSON.stringify(key)}`);
    if (key.startsWith('net.') && !isNew(namespaces, 'network')) throw new OciError(`config.json: sysctl ${key} needs a new network namespace`);
    if (!key.startsWith('net.') && !key.startsWith('kernel.msg') && !key.startsWith('kernel.sem') && !key.startsWith('kernel.shm') && !key.startsWith('fs.mqueue.')) {
      throw unsupported(`sysctl ${key} (not namespaced: it would change the host)`);
    }
    filesystem.push({ op: 'sysctl', key, value: String(value) });
  }
  for (const path of linux.readonlyPaths ?? []) filesystem.push({ op: 'readonly', path });
  for (const path of linux.maskedPaths ?? []) filesystem.push({ op: 'mask', path });

  const plan: LaunchPlan = {
    rootfs,
    filesystem,
    hostname: config.hostname ?? '',
    cwd: spec.cwd,
    args: spec.args!,
    env: spec.env ?? [],
    tty: spec.terminal ?? false,
    stdin: true,
    network: isNew(namespaces, 'network') ? 'none' : 'host',
    cgroupProcs: cgroup.procsFiles,
    ...capabilitiesOf(spec.capabilities, uid, warn),
    noNewPrivileges: spec.noNewPrivileges ?? false,
    seccomp: linux.seccomp ? seccompProfile(linux.seccomp) : 'unconfined',
    user: { uid, gid: spec.user?.gid ?? 0, groups: spec.user?.additionalGids ?? [] },
    umask: spec.user?.umask,
    rlimits: rlimitsOf(spec),
    readonlyRoot: config.root?.readonly ?? false,
    namespaces,
    ...(newUser ? { uidMappings, gidMappings } : {}),
    waitFifo,
    consoleSocket,
    consoleSize: consoleSizeOf(spec),
    domainname: config.domainname,
    oomScoreAdj: spec.oomScoreAdj,
    rootPropagation: linux.rootfsPropagation as LaunchPlan['rootPropagation'],
  };
  return { plan, resources: resourcesOf(linux.resources) };
}
