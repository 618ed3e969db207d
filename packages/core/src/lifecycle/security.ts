import { statSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { posix } from 'node:path';
import { DEFAULT_DEVICE_RULES, deviceRule, type DeviceRules } from '@skiff/cgroups';
import { capabilitySet, type CapabilityName, type ContainerFilesystemOptions, type DeviceNode, type SecurityOptions } from '@skiff/native';
import { invalidArgument, resolveInRoot, type Mount } from '@skiff/plugin';
import type { SecurityConfig } from '../state/record.js';
import { resolveUser } from './user.js';

/** docker run's isolation flags, as the user gave them. */
export interface SecurityFlags {
  /** Lift the defaults: every capability, no seccomp filter, no masked paths, every device allowed. */
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  /** `no-new-privileges[:true|false]`, `seccomp=unconfined`. */
  securityOpt?: string[];
  /** The root filesystem is read-only (volumes and --tmpfs stay writable). */
  readOnly?: boolean;
  /** `PATH[:OPTIONS]`, a tmpfs at PATH (docker's default options: rw,noexec,nosuid,size=65536k). */
  tmpfs?: string[];
  /** USER[:GROUP], names looked up in the image's /etc/passwd and /etc/group. */
  user?: string;
  /** `HOST[:CONTAINER[:PERMISSIONS]]`, a host device node made available in the container. */
  devices?: string[];
}

export async function resolveSecurity(flags: SecurityFlags, layers: string[]): Promise<SecurityConfig> {
  let capabilities: CapabilityName[] | 'all';
  try {
    capabilities = flags.privileged ? 'all' : capabilitySet({ add: flags.capAdd ?? [], drop: flags.capDrop ?? [] });
  } catch (error) {
    throw invalidArgument((error as Error).message);
  }
  let noNewPrivileges = false;
  let seccomp: 'default' | 'unconfined' = flags.privileged ? 'unconfined' : 'default';
  for (const option of flags.securityOpt ?? []) {
    if (/^no-new-privileges(?:[:=]true)?$/.test(option)) noNewPrivileges = true;
    else if (/^no-new-privileges[:=]false$/.test(option)) noNewPrivileges = false;
    else if (option === 'seccomp=unconfined' || option === 'seccomp:unconfined') seccomp = 'unconfined';
    else throw invalidArgument(`unsupported --security-opt ${JSON.stringify(option)}: use no-new-privileges or seccomp=unconfined`);
  }
  return {
    privileged: flags.privileged ?? false,
    capabilities,
    noNewPrivileges,
    seccomp,
    readOnlyRoot: flags.readOnly ?? false,
    tmpfs: (flags.tmpfs ?? []).map(parseTmpfs),
    user: flags.user === undefined ? undefined : await resolveUser(await imageRoot(layers), flags.user),
    devices: (flags.devices ?? []).map(parseDevice),
  };
}

/** The layer whose /etc/passwd the container sees (the top-most that has one). */
async function imageRoot(layers: string[]): Promise<string> {
  for (const layer of layers) {
    if (await lstat(resolveInRoot(layer, '/etc/passwd')).then(() => true, () => false)) return layer;
  }
  return layers[0] ?? '/nonexistent';
}

function absolute(path: string, flag: string, spec: string): string {
  if (!path.startsWith('/') || path.split('/').includes('..') || /[\0\n]/.test(path)) {
    throw invalidArgument(`invalid ${flag} ${JSON.stringify(spec)}: ${JSON.stringify(path)} must be an absolute path without '..'`);
  }
  return posix.normalize(path);
}

function parseTmpfs(spec: string): Mount {
  const colon = spec.indexOf(':');
  const target = absolute(colon < 0 ? spec : spec.slice(0, colon), '--tmpfs', spec);
  if (target === '/') throw invalidArgument(`invalid --tmpfs ${JSON.stringify(spec)}: cannot mount over /`);
  const options = colon < 0 ? [] : spec.slice(colon + 1).split(',').filter(Boolean);
  if (options.some((option) => !/^[a-z]+(=[A-Za-z0-9%]+)?$/.test(option))) {
    throw invalidArgument(`invalid --tmpfs ${JSON.stringify(spec)}: options are a comma list such as rw,size=64m,mode=1777`);
  }
  const defaults = ['noexec', 'nosuid', 'nodev', 'size=65536k'].filter(
    (option) => !options.some((given) => given.split('=')[0] === option.split('=')[0] || (option === 'noexec' && given === 'exec')),
  );
  return { type: 'tmpfs', source: 'tmpfs', target, options: [...defaults, ...options] };
}

function parseDevice(spec: string): DeviceNode & { permissions: string } {
  const [host = '', container = host, permissions = 'rwm', extra] = spec.split(':');
  if (extra !== undefined || !/^[rwm]{1,3}$/.test(permissions)) {
    throw invalidArgument(`invalid --device ${JSON.stringify(spec)}: expected HOST[:CONTAINER[:PERMISSIONS]], PERMISSIONS of r, w, m`);
  }
  const path = absolute(host, '--device', spec);
  let info;
  try {
    info = statSync(path);
  } catch {
    throw invalidArgument(`invalid --device ${JSON.stringify(spec)}: ${path} does not exist on this host`);
  }
  if (!info.isCharacterDevice() && !info.isBlockDevice()) {
    throw invalidArgument(`invalid --device ${JSON.stringify(spec)}: ${path} is not a device node`);
  }
  // The kernel's dev_t encoding (glibc major()/minor()).
  const rdev = info.rdev;
  const major = ((rdev >>> 8) & 0xfff) | Math.floor(rdev / 2 ** 32) & ~0xfff;
  const minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xff & 0xfffff);
  return {
    path: absolute(container, '--device', spec),
    type: info.isCharacterDevice() ? 'c' : 'b',
    major,
    minor,
    mode: info.mode & 0o777,
    permissions,
  };
}

/** The plan's share of the security config: what the command may do. */
export function planSecurity(security: SecurityConfig): SecurityOptions & { readonlyRoot?: boolean } {
  return {
    capabilities: security.capabilities,
    noNewPrivileges: security.noNewPrivileges,
    seccomp: security.seccomp,
    user: security.user,
    readonlyRoot: security.readOnlyRoot,
  };
}

/** The security config's share of the container's filesystem: --device nodes; --privileged lifts the masks. */
export function planFilesystemSecurity(security: SecurityConfig): Pick<ContainerFilesystemOptions, 'devices' | 'maskedPaths' | 'readonlyPaths'> {
  return {
    devices: security.devices.map(({ permissions: _permissions, ...node }) => node),
    ...(security.privileged ? { maskedPaths: [], readonlyPaths: [] } : {}),
  };
}

/** The devices cgroup: docker's default allow list plus the added devices, or everything when privileged. */
export function deviceRules(security: SecurityConfig): DeviceRules {
  if (security.privileged) return 'unrestricted';
  return { allow: [...DEFAULT_DEVICE_RULES, ...security.devices.map((device) => deviceRule(device.type, device.major, device.minor, device.permissions))] };
}
