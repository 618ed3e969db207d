import type { StdioOptions } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { healthPlan } from './health.js';
import { namespacePath } from './namespaces.js';
import type { Readable } from 'node:stream';
import type { CgroupManager } from '@skiff/cgroups';
import { FORWARDED_SIGNALS, encodePlan, reserveStatusFile, writeStatusFile, type LaunchPlan } from '@skiff/native';
import { SkiffError, type Mount } from '@skiff/plugin';
import { processStartTime } from '../state/proc.js';
import type { ContainerRecord } from '../state/record.js';
import { destroyCgroup, prepareCgroup } from './cgroup.js';
import { finishContainer, isNoSpace } from './finish.js';
import { files, storageDriver, volumeDriver, volumeRequest, type Host } from './host.js';
import { transition } from './states.js';
import { waitGone } from './signal.js';
import { launchPlan } from './plan.js';
import { deviceRules } from './security.js';
import { networkJoined, prepareNetwork, releaseNetwork } from './network.js';
import { trace } from './trace.js';
import { attachment, helperStdio, killOnAbort, startFailure, type Attachment, type AttachStdio } from './attach.js';
import { spawnHelper, type HelperProcess } from './spawn-helper.js';
import { withContainerLock } from '../state/lock.js';
import { seccompCacheDir } from '../roots.js';
import { afterStart } from './starting.js';
import { containerEvent } from '../state/events.js';

export interface StartResult {
  exitCode: number;
  oomKilled: boolean;
  warnings: string[];
  /** Why a detached start failed (the helper's message), with `exitCode` 125, 126 or 127. */
  error?: string;
}

/**
 * Prepares mounts, volumes and the cgroup of a created or stopped container and returns the helper's plan.
 * On failure it undoes what it took. The caller holds the container lock.
 */
async function prepare(host: Host, record: ContainerRecord): Promise<{ plan: LaunchPlan; cgroup: CgroupManager; warnings: string[] }> {
  const { config } = record;
  // --pid/--ipc container:NAME: that container must run now (checked before anything is taken).
  const namespaces = {
    pidNamespace: await namespacePath(host, record, config.pidMode, 'pid'),
    ipcNamespace: await namespacePath(host, record, config.ipcMode, 'ipc'),
  };
  const storage = await storageDriver(host, config.storageDriver);
  const mounts: Mount[] = await storage.prepare(record.id, { dirs: config.layers });
  const taken: number[] = [];
  let networked = false;
  try {
    // Before the volumes: a volume over /etc/hosts (say) wins, as in docker.
    const network = await prepareNetwork(host, record);
    networked = true;
    mounts.push(...network.mounts);
    for (const [index, volume] of config.volumes.entries()) {
      const driver = await volumeDriver(host, volume.driver);
      const request = await volumeRequest(host, record, index);
      mkdirSync(request.scratchDir, { recursive: true, mode: 0o700 });
      mounts.push(...(await driver.mount(request)));
      taken.push(index);
    }
    const resources = { ...config.resources, devices: deviceRules(config.security, config.deviceCgroupRules) };
    const { manager, warnings } = await prepareCgroup(record.id, config.cgroupParent, resources);
    const paths = files(host, record.id);
    mkdirSync(paths.rootfs, { recursive: true, mode: 0o700 });
    // Taken now, while there is room: the exit status must survive a full disk (status-file.ts).
    reserveStatusFile(paths.exitStatus);
    const plan = launchPlan(config, {
      rootfs: paths.rootfs,
      mounts,
      cgroupProcs: manager.joinFiles(),
      netns: network.netns,
      netnsDrop: network.netnsDrop,
      ...namespaces,
    });
    trace('planned');
    return { plan, cgroup: manager, warnings: [...network.warnings, ...warnings] };
  } catch (error) {
    for (const index of taken.reverse()) {
      const driver = await volumeDriver(host, config.volumes[index]!.driver);
      await driver.unmount(await volumeRequest(host, record, index)).catch(() => {});
    }
    if (networked) await releaseNetwork(host, record).catch(() => {});
    throw error;
  }
}

/** The helper keeps the container's output in its log, attached or detached (`skiff logs`). */
function logPlan(host: Host, record: ContainerRecord): Pick<LaunchPlan, 'log' | 'logMaxBytes' | 'logKeep'> {
  return { log: files(host, record.id).log, logMaxBytes: record.config.logMaxBytes, logKeep: record.config.logKeep };
}

/**
 * Spawns the helper with the plan on fd 3 and a status pipe on fd 4; `pid` resolves when the init reports. A plan
 * given as a promise is sent once made (spawnHelper): the helper's exec and its sealed re-exec (~2.5 ms on this
 * project's VM) then overlap the making, on another core.
 */
function launch(host: Host, plan: LaunchPlan | Promise<LaunchPlan>, stdio: StdioOptions): HelperProcess {
  const encode = (made: LaunchPlan) => encodePlan({ ...made, seccompCache: seccompCacheDir(host.roots) });
  const helper = spawnHelper(host.helper, 'run', plan instanceof Promise ? plan.then(encode) : encode(plan), stdio);
  trace('spawned');
  return helper;
}

/** A promise settled from outside: the plan a helper started early waits for. */
function deferred<T>(): { promise: Promise<T>; resolve(value: T): void; reject(reason: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => {}); // a plan given up is the helper's to notice (fd 3 ends empty), not an unhandled rejection
  return { promise, resolve, reject };
}

async function markRunning(host: Host, record: ContainerRecord, pid: number, detached: boolean): Promise<void> {
  record.status = 'running';
  record.pid = pid;
  record.pidStartTime = processStartTime(pid);
  record.startedAt = new Date().toISOString();
  record.finishedAt = undefined;
  record.exitCode = undefined;
  record.oomKilled = undefined;
  record.paused = undefined;
  record.detached = detached;
  record.starting = undefined;
  await host.store.save(record);
  containerEvent(host.roots, 'start', record);
}

/** How long an attached start waits, holding the lock, for its command to run before letting others have it. */
const PID_UNDER_LOCK_MS = 2_000;
const LATE = Symbol('late');
const DETACHED = Symbol('detached');

/** `promise`'s value, or LATE if it takes longer than `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof LATE> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof LATE>((resolve) => (timer = setTimeout(() => resolve(LATE), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export interface AttachedStart {
  /** With stdio 'pipe': the container's streams. */
  attachment?: Attachment;
  /** Settles once the container has exited and is torn down (or, with detach keys, once they were typed). */
  result: Promise<StartResult & { detached?: boolean }>;
}

export interface AttachOptions {
  /** 'inherit': the helper relays this process's own stdio (the CLI); 'pipe': an Attachment. */
  stdio: AttachStdio;
  /** Relay this process's SIGINT, SIGTERM, ... to the container (the CLI's choice, not the library's). */
  forwardSignals?: boolean;
  /** Aborting kills the container (SIGKILL); `result` then settles with 137 once it is torn down. */
  signal?: AbortSignal;
  /** This process's `run` just made it (marked `starting`): no container lock is taken (starting.ts). */
  fresh?: boolean;

  /** 'inherit' with a tty and stdin: the sequence that detaches (RunOptions.detachKeys). */
  detachKeys?: Uint8Array | undefined;
  /** 'inherit': the streams relayed (docker's -a); default all. */
  streams?: ('stdin' | 'stdout' | 'stderr')[] | undefined;
}

/**
 * Runs `action` under the container lock, or for a container this process's `run` just made, without (its
 * `starting` mark holds others off). Anyone else's start is waited for first.
 */
async function startLock<T>(host: Host, id: string, fresh: boolean, action: () => Promise<T>): Promise<T> {
  if (fresh) return action();
  await afterStart(host, await host.store.resolve(id));
  return withContainerLock(host.roots, id, action);
}

/**
 * Starts the container in the foreground, its stdio relayed by the helper (never handed in), and returns once
 * the command runs (or failed to start: then it rejects, with piped stdio, with the helper's reason and exit
 * code); `result` settles after the exit and the teardown.
 */
export async function startAttached(host: Host, id: string, options: AttachOptions): Promise<AttachedStart> {
  let run: HelperProcess | undefined;
  const onSignal = (signal: NodeJS.Signals) => run?.kill(signal);
  const forwarding = options.forwardSignals ?? false;
  let unsubscribe = () => {};
  const stopForwarding = () => {
    unsubscribe();
    if (forwarding) for (const signal of FORWARDED_SIGNALS) process.off(signal, onSignal);
  };
  try {
    // The lock (or the `starting` mark) is held until the command runs (or failed to), so no `stop` or `rm` meets a
    // half-started container (unless its set-up hangs: see PID_UNDER_LOCK_MS).
    const fresh = options.fresh ?? false;
    const started = await startLock(host, id, fresh, async () => {
      const record = await host.store.resolve(id);
      transition(record.name, record.status, 'start');
      // The helper starts first and waits on fd 3 while the plan is made (launch).
      const plan = deferred<LaunchPlan>();
      run = launch(host, plan.promise, helperStdio(options.stdio, 'inherit', options.streams));
      let prepared: Awaited<ReturnType<typeof prepare>>;
      try {
        prepared = await prepare(host, record);
      } catch (error) {
        plan.reject(error);
        await run.exited.catch(() => {});
        throw error;
      }
      // run -it: the detach keys turn the helper into the container's supervisor, which then needs what a
      // detached start gives it.
      const keys = options.stdio === 'inherit' && record.config.tty && record.config.interactive && options.detachKeys?.length ? options.detachKeys : undefined;
      const detachable: Partial<LaunchPlan> =
        keys && host.exitCommand
          ? { detachKeys: keys, statusFile: files(host, id).exitStatus, exitCommand: host.exitCommand(id), attachSocket: files(host, id).attachSocket }
          : {};
      plan.resolve({ ...prepared.plan, ...logPlan(host, record), ...detachable });
      unsubscribe = killOnAbort(run, options.signal);
      if (forwarding) for (const signal of FORWARDED_SIGNALS) process.on(signal, onSignal);
      const pid = await within(run.pid, PID_UNDER_LOCK_MS);
      if (typeof pid === 'number') {
        await networkJoined(host, record);
        await markRunning(host, record, pid, false);
      }
      return { record, warnings: prepared.warnings, pid };
    });
    const launched = run!;
    const finish = async (): Promise<StartResult & { detached?: boolean }> => {
      try {
        const { record, warnings } = started;
        let { pid } = started;
        if (pid === LATE) {
          pid = await launched.pid;
          const late = pid;
          if (late !== undefined) await networkJoined(host, record);
          if (late !== undefined && fresh) await markRunning(host, record, late, false);
          else if (late !== undefined) {
            await withContainerLock(host.roots, id, async () => {
              // Someone may have stopped or removed it meanwhile; then leave it be.
              if ((await host.store.get(id))?.status === record.status) await markRunning(host, record, late, false);
            });
          }
        }
        const outcome = await Promise.race([launched.exited, launched.detached.then((yes) => (yes ? DETACHED : new Promise<never>(() => {})))]);
        if (outcome === DETACHED) {
          // The helper is the container's supervisor now: its exit command finishes the container.
          await withContainerLock(host.roots, id, async () => {
            const current = await host.store.get(id);
            if (current?.status === 'running' && current.startedAt === record.startedAt) await host.store.save({ ...current, detached: true });
          });
          return { exitCode: 0, oomKilled: false, warnings, detached: true };
        }
        const exitCode = outcome;
        trace('exited');
        const finishedAtMs = Date.now();
        // In place, in the space reserved before the start: kept even when the disk is full now.
        try {
          writeStatusFile(files(host, id).exitStatus, { exitCode, finishedAtMs });
        } catch {
          // the record below carries it too
        }
        // The helper is gone, but a killed helper's init may still be dying: finish only once it is dead, or
        // finishContainer would take it for a newer start and leave this one unfinished.
        if (pid !== undefined) await waitGone(record, 5_000);
        try {
          const finished = await finishContainer(host, id, { exitCode, finishedAtMs });
          return { exitCode, oomKilled: finished?.oomKilled ?? false, warnings };
        } catch (error) {
          // The container ran and exited: its code is the answer; the record catches up once there is room.
          if (!isNoSpace(error)) throw error;
          return { exitCode, oomKilled: false, warnings: [...warnings, 'could not record the exit (no space left on device); it is recorded once there is room'] };
        }
      } finally {
        stopForwarding();
      }
    };
    if (options.stdio === 'inherit') return { result: finish() };
    const pid = started.pid === LATE ? await launched.pid : started.pid;
    if (pid === undefined) {
      const failure = await startFailure(launched.child!, launched.exited, launched.output);
      await finish();
      throw failure;
    }
    const result = finish();
    return { result, attachment: attachment(launched.child!, result.then((r) => r.exitCode), launched.output) };
  } catch (error) {
    stopForwarding();
    throw error;
  }
}

/**
 * Starts the container under a detached supervisor (the helper, not Node) and returns once it runs. The
 * supervisor writes the output to the container's log and, when the container exits, its status file, then
 * runs the host's exit command, which calls finishContainer.
 */
export async function startDetached(host: Host, id: string, options: { fresh?: boolean } = {}): Promise<StartResult> {
  if (!host.exitCommand) throw new SkiffError('FAILED_PRECONDITION', 'detached containers need the runtime\'s exitCommand option');
  const exitCommand = host.exitCommand(id);
  return startLock(host, id, options.fresh ?? false, async () => {
    const record = await host.store.resolve(id);
    transition(record.name, record.status, 'start');
    const prepared = await prepare(host, record);
    const plan: LaunchPlan = {
      ...prepared.plan,
      ...logPlan(host, record),
      // -i: the supervisor holds the container's stdin open and feeds it what `attach` clients send.
      stdin: record.config.interactive,
      detach: true,
      statusFile: files(host, id).exitStatus,
      attachSocket: files(host, id).attachSocket,
      exitCommand,
    };
    Object.assign(plan, healthPlan(host, record, plan));
    let run: HelperProcess;
    try {
      run = launch(host, plan, ['ignore', 'ignore', 'pipe', 'pipe', 'pipe']);
    } catch (error) {
      await destroyCgroup(record);
      await releaseNetwork(host, record).catch(() => {});
      throw error;
    }
    let stderr = '';
    (run.child!.stderr as Readable).setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const [exitCode, pid] = await Promise.all([run.exited, run.pid]);
    if (exitCode !== 0 || pid === undefined) {
      // The supervisor still writes the status file and runs the exit command, which finishes the container.
      const error = stderr.trim().replace(/^skiff: /, '') || `the helper exited with ${exitCode}`;
      return { exitCode: exitCode || 125, oomKilled: false, warnings: prepared.warnings, error };
    }
    await networkJoined(host, record);
    await markRunning(host, record, pid, true);
    trace('detached');
    return { exitCode: 0, oomKilled: false, warnings: prepared.warnings };
  });
}
