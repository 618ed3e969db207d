/**
 * `skiff-runc exec --process FILE | ID ARGS...`: a process in the running container, through `skiff-helper exec`
 * with the caller's stdio handed in (passthrough). --detach: we exit once it runs and the caller's subreaper
 * reaps it; otherwise we wait and exit with its code.
 */
import { resolve } from 'node:path';
import { encodeExecPlan, type ExecPlan } from '@skiff/native';
import { writeFileAtomic } from '@skiff/plugin';
import { cgroupManager } from './cgroup.js';
import { OciError } from './errors.js';
import { spawnHelper } from './helper.js';
import { readJsonFile, type OciProcess } from './spec.js';
import type { StateStore } from './store.js';
import { capabilitiesOf, checkProcess, consoleSizeOf, rlimitsOf } from './translate.js';

export interface ExecOptions {
  id: string;
  processFile?: string;
  args: string[];
  detach: boolean;
  tty: boolean;
  pidFile?: string;
  consoleSocket?: string;
  cwd?: string;
  env: string[];
  user?: string;
  caps: string[];
  noNewPrivs: boolean;
  additionalGids: string[];
  /** Where what is left out of the process (as runc leaves it out) is reported. */
  warn?: (message: string) => void;
}

function processFromFlags(options: ExecOptions): OciProcess {
  const [uid, gid] = (options.user ?? '0:0').split(':');
  const number = (text: string | undefined, what: string) => {
    if (text === undefined || !/^\d+$/.test(text)) throw new OciError(`exec: --user takes UID[:GID] numbers, not ${JSON.stringify(options.user)} (${what})`);
    return Number(text);
  };
  return {
    args: options.args,
    env: options.env.length ? options.env : ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    cwd: options.cwd ?? '/',
    terminal: options.tty,
    user: { uid: number(uid, 'uid'), gid: gid === undefined ? 0 : number(gid, 'gid'), additionalGids: options.additionalGids.map((g) => number(g, 'gid')) },
    capabilities: options.caps.length ? { bounding: options.caps, effective: options.caps, permitted: options.caps } : undefined,
    noNewPrivileges: options.noNewPrivs,
  };
}

export async function exec(store: StateStore, options: ExecOptions): Promise<number> {
  const state = store.load(options.id);
  const status = store.status(state);
  if (status !== 'running' && status !== 'created') throw new OciError(`cannot exec in a ${status} container: ${options.id}`);
  const spec = options.processFile ? (readJsonFile(options.processFile, 'process') as OciProcess) : processFromFlags(options);
  if (typeof spec !== 'object' || spec === null) throw new OciError('--process must hold a JSON object');
  checkProcess(spec);
  if (spec.terminal && !options.consoleSocket) throw new OciError('exec: a terminal needs --console-socket');
  const uid = spec.user?.uid ?? 0;
  const plan: ExecPlan = {
    target: state.pid,
    args: spec.args!,
    env: spec.env ?? [],
    cwd: spec.cwd,
    tty: spec.terminal ?? false,
    stdin: true,
    cgroupProcs: cgroupManager(state.cgroup).procsFiles(),
    ...capabilitiesOf(spec.capabilities, uid, options.warn),
    noNewPrivileges: spec.noNewPrivileges ?? false,
    seccomp: state.seccomp,
    user: { uid, gid: spec.user?.gid ?? 0, groups: spec.user?.additionalGids ?? [] },
    umask: spec.user?.umask,
    rlimits: rlimitsOf(spec),
    passthrough: true,
    detach: options.detach,
    consoleSocket: spec.terminal ? options.consoleSocket : undefined,
    consoleSize: consoleSizeOf(spec),
  };
  const helper = spawnHelper('exec', encodeExecPlan(plan));
  const pid = await helper.pid;
  if (pid && options.pidFile) await writeFileAtomic(resolve(options.pidFile), String(pid), 0o644);
  const code = await helper.exited;
  if (!pid) throw new OciError(`exec in ${options.id} failed: ${(await helper.error) ?? `the helper exited with ${code}`}`, code || 1);
  return code;
}
