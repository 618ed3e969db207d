/**
 * docker run's isolation flags into core's typed security options: `--cap-add`/`--cap-drop`, `--security-opt`,
 * `--tmpfs`, `--device` and `-u`. Each bad value is one INVALID_ARGUMENT line that quotes the flag as given.
 */
import { statSync } from 'node:fs';
import { posix } from 'node:path';
import type { CapabilityRequest, DeviceRequest, SecurityOptRequest, TmpfsRequest, UserRequest } from '@skiff/core';
import { invalidArgument } from '@skiff/plugin/errors';
import { CAPABILITIES, type CapabilityName } from '@skiff/native/security';

/**
 * `--cap-add`/`--cap-drop` words: a capability as people write it (`net_admin`, `NET_ADMIN`, `CAP_NET_ADMIN`),
 * or `ALL` in any case.
 */
export function parseCapabilities(inputs: string[], flag: '--cap-add' | '--cap-drop'): CapabilityRequest[] {
  return inputs.map((input) => {
    const upper = input.trim().toUpperCase();
    if (upper === 'ALL') return 'ALL';
    const name = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
    if (!Object.hasOwn(CAPABILITIES, name)) throw invalidArgument(`${flag}: unknown capability ${JSON.stringify(input)}`);
    return name as CapabilityName;
  });
}

/** `--security-opt no-new-privileges[:true|false]` and `seccomp=unconfined` (`=` or `:`); the last one of a kind wins. */
export function parseSecurityOpt(options: string[]): SecurityOptRequest {
  const result: SecurityOptRequest = {};
  for (const option of options) {
    if (/^no-new-privileges(?:[:=]true)?$/.test(option)) result.noNewPrivileges = true;
    else if (/^no-new-privileges[:=]false$/.test(option)) result.noNewPrivileges = false;
    else if (option === 'seccomp=unconfined' || option === 'seccomp:unconfined') result.seccomp = 'unconfined';
    else throw invalidArgument(`unsupported --security-opt ${JSON.stringify(option)}: use no-new-privileges or seccomp=unconfined`);
  }
  return result;
}

function absolute(path: string, flag: string, spec: string): string {
  if (!path.startsWith('/') || path.split('/').includes('..') || /[\0\n]/.test(path)) {
    throw invalidArgument(`invalid ${flag} ${JSON.stringify(spec)}: ${JSON.stringify(path)} must be an absolute path without '..'`);
  }
  return posix.normalize(path);
}

/** `--tmpfs PATH[:OPTIONS]`, OPTIONS a comma list of mount options (`size=64m,mode=1777`). */
export function parseTmpfs(spec: string): TmpfsRequest {
  const colon = spec.indexOf(':');
  const target = absolute(colon < 0 ? spec : spec.slice(0, colon), '--tmpfs', spec);
  if (target === '/') throw invalidArgument(`invalid --tmpfs ${JSON.stringify(spec)}: cannot mount over /`);
  const options = colon < 0 ? [] : spec.slice(colon + 1).split(',').filter(Boolean);
  if (options.some((option) => !/^[a-z]+(=[A-Za-z0-9%]+)?$/.test(option))) {
    throw invalidArgument(`invalid --tmpfs ${JSON.stringify(spec)}: options are a comma list such as rw,size=64m,mode=1777`);
  }
  return { target, options };
}

/** `--device HOST[:CONTAINER[:PERMISSIONS]]`, PERMISSIONS any of r, w, m (default rwm); HOST must be a device node. */
export function parseDevice(spec: string): DeviceRequest {
  const [host = '', container = host, permissions = 'rwm', extra] = spec.split(':');
  if (extra !== undefined || !/^[rwm]{1,3}$/.test(permissions)) {
    throw invalidArgument(`invalid --device ${JSON.stringify(spec)}: expected HOST[:CONTAINER[:PERMISSIONS]], PERMISSIONS of r, w, m`);
  }
  const hostPath = absolute(host, '--device', spec);
  // Core checks this too (and reads the node's numbers); here the message can quote the flag as given.
  let info;
  try {
    info = statSync(hostPath);
  } catch {
    throw invalidArgument(`invalid --device ${JSON.stringify(spec)}: ${hostPath} does not exist on this host`);
  }
  if (!info.isCharacterDevice() && !info.isBlockDevice()) throw invalidArgument(`invalid --device ${JSON.stringify(spec)}: ${hostPath} is not a device node`);
  return { hostPath, containerPath: absolute(container, '--device', spec), permissions };
}

/** `-u USER[:GROUP]`, each a name or a number (looked up in the container's files by core). */
export function parseUser(spec: string): UserRequest {
  const [user = '', group, extra] = spec.split(':');
  if (!user || extra !== undefined) throw invalidArgument(`invalid user ${JSON.stringify(spec)}: expected USER[:GROUP], names or numbers`);
  return group === undefined ? { user } : { user, group };
}
