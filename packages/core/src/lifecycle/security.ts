import { lstatSync, statSync } from 'node:fs';
import { DEFAULT_DEVICE_RULES, deviceRule, type DeviceRules } from '@skiff/cgroups';
import { capabilitySet, type CapabilityName, type CapabilityRequest, type ContainerFilesystemOptions, type DeviceNode, type SecurityOptions } from '@skiff/native';
import { invalidArgument, resolveInRoot, type Mount } from '@skiff/plugin';
import type { SecurityConfig } from '../state/record.js';
import { resolveGroups, resolveUser, type UserRequest } from './user.js';
import { validateContainerPath } from './validate.js';

/** A tmpfs at `target` (docker `--tmpfs`); `options` are mount option words (`size=64m`, `exec`, `mode=1777`). */
export interface TmpfsRequest {
  target: string;
  /** Added to docker's defaults (noexec, nosuid, nodev, size=65536k); a word of the same name replaces one. */
  options?: string[];
}

/** A host device node made available in the container (docker `--device`). */
export interface DeviceRequest {
  /** Absolute path of a character or block device on this host. */
  hostPath: string;
  /** Absolute path in the container; default `hostPath`. */
  containerPath?: string;
  /** devices cgroup access: any of r (read), w (write), m (mknod); default `rwm`. */
  permissions?: string;
}

/** docker's `--security-opt`, typed. */
export interface SecurityOptRequest {
  /** The process and its children can never gain privileges (setuid bits, file capabilities are ignored). */
  noNewPrivileges?: boolean;
  /** `unconfined`: no seccomp filter. Default: docker's default profile (always unconfined when privileged). */
  seccomp?: 'default' | 'unconfined';
}

/** docker run's isolation options, typed (the CLI parses the flags into these). */
export interface SecurityFlags {
  /** Lift the defaults: every capability, no seccomp filter, no masked paths, every device allowed. */
  privileged?: boolean;
  /** Kernel names (`CAP_NET_ADMIN`) or `ALL`, applied to docker's default set: drops first, then adds. */
  capAdd?: CapabilityRequest[];
  capDrop?: CapabilityRequest[];
  securityOpt?: SecurityOptRequest;
  /** The root filesystem is read-only (volumes and tmpfs mounts stay writable). */
  readOnly?: boolean;
  tmpfs?: TmpfsRequest[];
  /** Names or numbers looked up in the image's /etc/passwd and /etc/group. */
  user?: UserRequest;
  /** --group-add: supplementary groups, names (the image's /etc/group) or numbers. */
  groupAdd?: string[];
  devices?: DeviceRequest[];
}

export async function resolveSecurity(flags: SecurityFlags, layers: string[]): Promise<SecurityConfig> {
  let capabilities: CapabilityName[] | 'all';
  try {
    capabilities = flags.privileged ? 'all' : capabilitySet({ add: flags.capAdd ?? [], drop: flags.capDrop ?? [] });
  } catch (error) {
    throw invalidArgument((error as Error).message);
  }
  // The earlier string form (['no-new-privileges']) would otherwise be read as no options at all: refuse it.
  if (Array.isArray(flags.securityOpt)) throw invalidArgument('securityOpt is an object ({ noNewPrivileges, seccomp }), not a list of docker --security-opt strings');
  const seccomp = flags.securityOpt?.seccomp ?? 'default';
  if (seccomp !== 'default' && seccomp !== 'unconfined') throw invalidArgument(`unsupported seccomp profile ${JSON.stringify(seccomp)}: use default or unconfined`);
  return {
    privileged: flags.privileged ?? false,
    capabilities,
    noNewPrivileges: flags.securityOpt?.noNewPrivileges ?? false,
    seccomp: flags.privileged ? 'unconfined' : seccomp,
    readOnlyRoot: flags.readOnly ?? false,
    tmpfs: (flags.tmpfs ?? []).map(tmpfsMount),
    user: await userWithGroups(flags, layers),
    devices: (flags.devices ?? []).map(deviceNode),
  };
}

/** The layer whose /etc/passwd the container sees (the top-most that has one). */
export async function imageRoot(layers: string[]): Promise<string> {
  for (const layer of layers) {
    // Sync: one lstat per layer, cheaper than a thread-pool round trip (and node:fs/promises, which costs Bun to load).
    try {
      lstatSync(resolveInRoot(layer, '/etc/passwd'));
      return layer;
    } catch {
      // none here (or not reachable): the next layer
    }
  }
  return layers[0] ?? '/nonexistent';
}

/** Mount option words: a lower-case name, optionally `=` and a plain value. */
const TMPFS_OPTION = /^([a-z]+)(=[A-Za-z0-9%]+)?$/;
const TMPFS_DEFAULTS = ['noexec', 'nosuid', 'nodev', 'size=65536k'];

function tmpfsMount(request: TmpfsRequest): Mount {
  const target = validateContainerPath(request.target, '--tmpfs target');
  if (target === '/') throw invalidArgument(`invalid --tmpfs ${JSON.stringify(request.target)}: cannot mount over /`);
  const options = request.options ?? [];
  const bad = options.find((option) => !TMPFS_OPTION.test(option));
  if (bad !== undefined) throw invalidArgument(`invalid --tmpfs option ${JSON.stringify(bad)}: options are words such as rw, size=64m, mode=1777`);
  const name = (option: string) => TMPFS_OPTION.exec(option)![1];
  const defaults = TMPFS_DEFAULTS.filter(
    (option) => !options.some((given) => name(given) === name(option) || (option === 'noexec' && given === 'exec')),
  );
  return { type: 'tmpfs', source: 'tmpfs', target, options: [...defaults, ...options] };
}

function deviceNode(request: DeviceRequest): DeviceNode & { permissions: string } {
  const permissions = request.permissions ?? 'rwm';
  if (!/^[rwm]{1,3}$/.test(permissions)) throw invalidArgument(`invalid --device permissions ${JSON.stringify(permissions)}: use r, w, m or a combination`);
  const path = validateContainerPath(request.hostPath, '--device host path');
  const label = `invalid --device ${JSON.stringify(request.hostPath)}`;
  let info;
  try {
    info = statSync(path);
  } catch {
    throw invalidArgument(`${label}: ${path} does not exist on this host`);
  }
  if (!info.isCharacterDevice() && !info.isBlockDevice()) throw invalidArgument(`${label}: ${path} is not a device node`);
  // The kernel's dev_t encoding (glibc major()/minor()).
  const rdev = info.rdev;
  const major = ((rdev >>> 8) & 0xfff) | Math.floor(rdev / 2 ** 32) & ~0xfff;
  const minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xff & 0xfffff);
  return {
    path: validateContainerPath(request.containerPath ?? request.hostPath, '--device container path'),
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

/**
 * The devices cgroup: docker's default allow list plus the added devices and --device-cgroup-rule lines, or
 * everything when privileged.
 */
export function deviceRules(security: SecurityConfig, extraRules: readonly string[] = []): DeviceRules {
  if (security.privileged) return 'unrestricted';
  return {
    allow: [
      ...DEFAULT_DEVICE_RULES,
      ...security.devices.map((device) => deviceRule(device.type, device.major, device.minor, device.permissions)),
      ...extraRules,
    ],
  };
}

/** -u and --group-add: the user (root when only groups are added) with its supplementary groups. */
async function userWithGroups(flags: SecurityFlags, layers: string[]): Promise<SecurityConfig['user']> {
  const user = flags.user === undefined ? undefined : await resolveUser(await imageRoot(layers), flags.user);
  if (!flags.groupAdd?.length) return user;
  const groups = await resolveGroups(await imageRoot(layers), flags.groupAdd);
  return { ...(user ?? { uid: 0, gid: 0 }), groups };
}
