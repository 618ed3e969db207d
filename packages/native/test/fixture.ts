// Test fixtures for the native helper: a busybox rootfs, overlay launch plans and a way to run the helper.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { suitePrefix } from '../../../test/support.js';
import {
  containerFilesystem,
  encodeExecPlan,
  encodePlan,
  helperPath,
  type ContainerFilesystemOptions,
  type ExecPlan,
  type LaunchPlan,
  type MountSyscall,
} from '../src/index.js';

const APPLETS = [
  'sh', 'echo', 'ps', 'cat', 'ls', 'hostname', 'mount', 'sleep', 'true', 'false', 'env', 'pwd', 'touch', 'id',
  'tty', 'stat', 'test', 'printf', 'kill', 'readlink', 'grep', 'mkdir', 'stty', 'mknod', 'insmod', 'unshare', 'wc', 'head',
  'chown', 'rm',
];

/**
 * Builds a minimal busybox image in a fresh temp dir: /bin/busybox (the host's static busybox) plus applet
 * symlinks, /etc/passwd and /etc/group, and empty /proc /sys /dev /tmp. Returns the dir and its remover
 * (which refuses to remove a tree that still holds a mount, like the tempDir() helper).
 */
export function createBusyboxRootfs(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `${suitePrefix()}rootfs-`));
  for (const sub of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root']) mkdirSync(join(dir, sub));
  copyFileSync('/bin/busybox', join(dir, 'bin/busybox'));
  for (const applet of APPLETS) symlinkSync('busybox', join(dir, 'bin', applet));
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n');
  return {
    dir,
    remove: () => {
      if (mountsUnder(dir).length > 0) throw new Error(`a mount is still inside ${dir}; not removing it`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Mount points on the host (this process's mount namespace) at or below dir. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
}

/** The layout of one container's scratch space: overlay upper/work dirs and the merged mountpoint. */
export function overlayDirs(scratch: string): { upper: string; work: string; merged: string } {
  const dirs = { upper: join(scratch, 'upper'), work: join(scratch, 'work'), merged: join(scratch, 'merged') };
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true });
  return dirs;
}

/**
 * What a test may change of an overlay plan: any LaunchPlan field, docker's filesystem options (mounts are
 * the ones after the root), or `root` to replace the overlay root mount.
 */
export type PlanOverrides = Partial<Omit<LaunchPlan, 'filesystem'>> &
  Partial<Omit<ContainerFilesystemOptions, 'network'>> & { root?: MountSyscall };

/** A plan whose root is an overlay of the busybox image (lower) with upper/work dirs in scratch, with docker's filesystem. */
export function overlayPlan(lower: string, scratch: string, args: string[], overrides: PlanOverrides = {}): LaunchPlan {
  const { upper, work, merged } = overlayDirs(scratch);
  const overlay: MountSyscall = {
    source: 'overlay',
    target: '/',
    fstype: 'overlay',
    flags: 0,
    data: `lowerdir=${lower},upperdir=${upper},workdir=${work}`,
  };
  const { root = overlay, mounts = [], devices, maskedPaths, readonlyPaths, shmSizeBytes, sysctls, ...rest } = overrides;
  const network = rest.network ?? 'none';
  return {
    rootfs: merged,
    filesystem: containerFilesystem({ mounts: [root, ...mounts], network, devices, maskedPaths, readonlyPaths, shmSizeBytes, sysctls }),
    hostname: 'skiff-test',
    cwd: '/',
    args,
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root'],
    tty: false,
    stdin: false,
    network,
    cgroupProcs: [],
    ...rest,
  };
}

export interface HelperResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningHelper {
  child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout: () => string;
  done: Promise<HelperResult>;
  /** With reportPid: the pid from the helper's `pid N` line on fd 4 (undefined if it closed fd 4 without one). */
  pid: Promise<number | undefined>;
  /** With reportPid: everything written to fd 4. */
  pidText: () => string;
}

export interface HelperOptions {
  stdin?: 'ignore' | 'pipe';
  keepPlanOpen?: boolean;
  /** Give the helper a pipe on fd 4, as the CLI does, and collect what it writes there. */
  reportPid?: boolean;
  /** Another helper binary to run than the package's (a copy an attack test may damage). */
  helper?: string;
  /** The caller's pid to name on the command line, as the CLI does (`skiff-helper run PID`). */
  caller?: number;
  /** Added to the helper's environment (SKIFF_TRACE: '1', say). */
  env?: Record<string, string>;
}

/** Env the helper is started with: the host's plus a marker that must never reach a container. */
export const HOST_MARKER = 'SKIFF_HOST_MARKER=leaked-from-host';

/** Starts `skiff-helper run` with the plan on fd 3. stdin defaults to 'ignore' (/dev/null). */
export function startHelper(plan: LaunchPlan, options: HelperOptions = {}): RunningHelper {
  return spawnHelper('run', encodePlan(plan), options);
}

/** Starts `skiff-helper exec` with the exec plan on fd 3. */
export function startExec(plan: ExecPlan, options: HelperOptions = {}): RunningHelper {
  return spawnHelper('exec', encodeExecPlan(plan), options);
}

/** Starts the helper with an already encoded (or hand-made) plan on fd 3. */
export function spawnHelper(mode: 'run' | 'exec', plan: Buffer, options: HelperOptions = {}): RunningHelper {
  const [key, value] = HOST_MARKER.split('=') as [string, string];
  const stdio: StdioOptions = [options.stdin ?? 'ignore', 'pipe', 'pipe', 'pipe', ...(options.reportPid ? ['pipe' as const] : [])];
  const args = options.caller === undefined ? [mode] : [mode, String(options.caller)];
  const child = spawn(options.helper ?? helperPath(), args, { stdio, env: { ...process.env, ...options.env, [key]: value } });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let pidText = '';
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
  const pid = new Promise<number | undefined>((resolve) => {
    const report = child.stdio[4] as NodeJS.ReadableStream | undefined;
    if (!report) return resolve(undefined);
    report.on('data', (chunk: Buffer) => (pidText += chunk.toString('utf8')));
    report.on('error', () => resolve(undefined));
    report.on('close', () => resolve(/^pid (\d+)\n$/.test(pidText) ? Number(pidText.slice(4)) : undefined));
  });
  const planPipe = child.stdio[3] as NodeJS.WritableStream;
  planPipe.on('error', () => {}); // a helper that dies early closes its end; the exit code tells the story
  if (options.keepPlanOpen) planPipe.write(plan);
  else planPipe.end(plan);
  const done = new Promise<HelperResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode, signal) =>
      resolve({
        exitCode,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
  // Even a failed or timed-out test leaves no helper (and so no container) behind.
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await done.catch(() => {});
    }
  });
  return { child, stdout: () => Buffer.concat(out).toString('utf8'), done, pid, pidText: () => pidText };
}

export function runHelper(plan: LaunchPlan, options: HelperOptions = {}): Promise<HelperResult> {
  return startHelper(plan, options).done;
}

/** Pids whose parent is pid (scans /proc; no dependency on CONFIG_PROC_CHILDREN). */
export function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat && stat.ppid === pid) found.push(Number(entry));
  }
  return found;
}

/** State letter, parent pid, process group, session and command name of a process, or undefined once it is gone. */
export function procStat(pid: number | 'self'): { state: string; ppid: number; pgrp: number; session: number; comm: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const [state = '', ppid = '0', pgrp = '0', session = '0'] = text.slice(close + 2).split(' ');
    return { state, ppid: Number(ppid), pgrp: Number(pgrp), session: Number(session), comm: text.slice(text.indexOf('(') + 1, close) };
  } catch {
    return undefined;
  }
}

/** True once the process has exited (gone, or a zombie waiting for its new parent to reap it). */
export function isDead(pid: number): boolean {
  const stat = procStat(pid);
  return !stat || stat.state === 'Z' || stat.state === 'X';
}

export async function waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The container's init as seen from the host: the helper's child once it runs the command named comm. */
export function waitForInit(helperPid: number, comm: string): Promise<number> {
  return waitFor(
    () => childrenOf(helperPid).find((pid) => procStat(pid)?.comm === comm),
    `the container's ${comm} to start`,
  );
}
