/**
 * The parts of the OCI runtime-spec `config.json` (1.0–1.2) that skiff-runc reads. Fields skiff cannot honour
 * are listed too, so that translate.ts can refuse them by name rather than ignore them.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { OciError } from './errors.js';

export interface OciHook {
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

export interface OciHooks {
  prestart?: OciHook[];
  createRuntime?: OciHook[];
  createContainer?: OciHook[];
  startContainer?: OciHook[];
  poststart?: OciHook[];
  poststop?: OciHook[];
}

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
  uidMappings?: unknown[];
  gidMappings?: unknown[];
}

export interface OciCapabilities {
  bounding?: string[];
  effective?: string[];
  permitted?: string[];
  inheritable?: string[];
  ambient?: string[];
}

export interface OciRlimit {
  type: string;
  soft: number;
  hard: number;
}

export interface OciProcess {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user?: { uid: number; gid: number; umask?: number; additionalGids?: number[]; username?: string };
  args?: string[];
  commandLine?: string;
  env?: string[];
  cwd: string;
  capabilities?: OciCapabilities;
  rlimits?: OciRlimit[];
  noNewPrivileges?: boolean;
  apparmorProfile?: string;
  oomScoreAdj?: number;
  selinuxLabel?: string;
  ioPriority?: unknown;
  scheduler?: unknown;
  execCPUAffinity?: unknown;
}

export interface OciDeviceRule {
  allow: boolean;
  type?: string;
  major?: number | null;
  minor?: number | null;
  access?: string;
}

export interface OciResources {
  devices?: OciDeviceRule[];
  memory?: { limit?: number; reservation?: number; swap?: number; kernel?: number; kernelTCP?: number; swappiness?: number; disableOOMKiller?: boolean; useHierarchy?: boolean; checkBeforeUpdate?: boolean };
  cpu?: { shares?: number; quota?: number; burst?: number; period?: number; realtimeRuntime?: number; realtimePeriod?: number; cpus?: string; mems?: string; idle?: number };
  pids?: { limit?: number };
  blockIO?: unknown;
  hugepageLimits?: unknown[];
  network?: unknown;
  rdma?: unknown;
  unified?: Record<string, string>;
}

export interface OciSeccompSyscall {
  names: string[];
  action: string;
  errnoRet?: number;
  args?: { index: number; value: number; valueTwo?: number; op: string }[];
}

export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  listenerPath?: string;
  listenerMetadata?: string;
  syscalls?: OciSeccompSyscall[];
}

export interface OciLinux {
  namespaces?: { type: string; path?: string }[];
  uidMappings?: { containerID: number; hostID: number; size: number }[];
  gidMappings?: { containerID: number; hostID: number; size: number }[];
  timeOffsets?: unknown;
  devices?: { path: string; type: string; major?: number; minor?: number; fileMode?: number; uid?: number; gid?: number }[];
  cgroupsPath?: string;
  resources?: OciResources;
  rootfsPropagation?: string;
  seccomp?: OciSeccomp;
  sysctl?: Record<string, string>;
  maskedPaths?: string[];
  readonlyPaths?: string[];
  mountLabel?: string;
  intelRdt?: unknown;
  personality?: unknown;
}

export interface OciConfig {
  ociVersion: string;
  root?: { path: string; readonly?: boolean };
  mounts?: OciMount[];
  process?: OciProcess;
  hostname?: string;
  domainname?: string;
  hooks?: OciHooks;
  annotations?: Record<string, string>;
  linux?: OciLinux;
  windows?: unknown;
  solaris?: unknown;
  vm?: unknown;
  zos?: unknown;
}

/** runc reads any size; a config.json above this is refused rather than read whole into memory. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** Reads and checks the outline of a JSON file the manager wrote (config.json, exec's --process). */
export function readJsonFile(path: string, what: string): unknown {
  let size: number;
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new OciError(`${what} ${path} is not a regular file`);
    size = stat.size;
  } catch (error) {
    if (error instanceof OciError) throw error;
    throw new OciError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
  if (size > MAX_CONFIG_BYTES) throw new OciError(`${what} ${path} is ${size} bytes, more than the ${MAX_CONFIG_BYTES} skiff-runc reads`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new OciError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new OciError(`${what} ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

export function readConfig(bundle: string): OciConfig {
  const config = readJsonFile(join(bundle, 'config.json'), 'config');
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new OciError('config.json must hold a JSON object');
  const c = config as OciConfig;
  if (typeof c.ociVersion !== 'string' || !/^1\.[0-3]\.\d+/.test(c.ociVersion)) {
    throw new OciError(`config.json ociVersion ${JSON.stringify(c.ociVersion)} is not supported: skiff-runc reads runtime-spec 1.0 to 1.3`);
  }
  if (!c.root || typeof c.root.path !== 'string') throw new OciError('config.json has no root.path');
  if (!c.process) throw new OciError('config.json has no process');
  return c;
}
