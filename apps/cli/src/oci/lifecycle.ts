/** start, kill, delete, pause and resume: each one call on the container's init or its cgroup. */
import { closeSync, constants, fstatSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { parseSignal } from '@skiff/core';
import { pollUntil } from '@skiff/plugin';
import { cgroupManager, removeOwnEmptyParent } from './cgroup.js';
import { OciError } from './errors.js';
import { runHooks } from './hooks.js';
import type { Logger } from './log.js';
import { readJsonFile, type OciResources } from './spec.js';
import { publicState, type ContainerState, type StateStore } from './store.js';
import { resourcesOf } from './translate.js';

/** Lets the waiting init exec its command: one byte into exec.fifo, which it holds open (c/oci.c). */
export async function start(store: StateStore, log: Logger, id: string): Promise<void> {
  const state = store.load(id);
  const status = store.status(state);
  if (status !== 'created') throw new OciError(`cannot start a container that is ${status}: ${id}`);
  const fifo = store.fifo(id);
  let fd: number;
  try {
    // Non-blocking: with nobody reading (the init gone) this fails with ENXIO at once instead of hanging.
    fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (error) {
    throw new OciError(`cannot start container ${id}: its init is not waiting (${(error as NodeJS.ErrnoException).code})`);
  }
  try {
    if (!fstatSync(fd).isFIFO()) throw new OciError(`${fifo} is not a fifo`);
    writeSync(fd, Buffer.from([0]));
  } finally {
    closeSync(fd);
  }
  rmSync(fifo, { force: true });
  try {
    await runHooks(state.hooks.poststart, publicState(state, 'running'), 'poststart');
  } catch (error) {
    log.warn((error as Error).message); // runtime-spec: a failed poststart hook is a warning
  }
}

export async function kill(store: StateStore, id: string, signalText: string | undefined, all: boolean): Promise<void> {
  const state = store.load(id);
  const signal = parseSignal(signalText ?? 'SIGTERM');
  const status = store.status(state);
  if (status === 'stopped') throw new OciError(`container not running: ${id}`);
  // The cgroup only when asked for (detecting the hierarchies reads mountinfo: ~4 ms of a plain kill).
  const manager = () => cgroupManager(state.cgroup);
  const pids = all ? await manager().getPids() : [state.pid];
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
  // A frozen process (v1 freezer) takes SIGKILL only once thawed.
  if (status === 'paused' && signal === 'SIGKILL') {
    await manager().thaw();
    await store.save({ ...state, paused: false });
  }
}

async function waitStopped(store: StateStore, state: ContainerState): Promise<void> {
  if (!(await pollUntil(() => store.status(state) === 'stopped', 10_000))) throw new OciError(`container ${state.id}: its init did not die`);
}

export async function remove(store: StateStore, log: Logger, id: string, force: boolean): Promise<void> {
  let state: ContainerState;
  try {
    state = store.load(id);
  } catch (error) {
    if (force) return; // runc: delete --force of a missing container succeeds
    throw error;
  }
  const status = store.status(state);
  const manager = cgroupManager(state.cgroup);
  if (status === 'running' || status === 'paused') {
    if (!force) throw new OciError(`cannot delete container ${id} that is not stopped: ${status}`);
  }
  if (status !== 'stopped') {
    await manager.killAll();
    try {
      process.kill(state.pid, 'SIGKILL');
    } catch {}
    await waitStopped(store, state);
  }
  await manager.destroy();
  removeOwnEmptyParent(state.cgroup);
  try {
    await runHooks(state.hooks.poststop, publicState(state, 'stopped'), 'poststop');
  } catch (error) {
    log.warn((error as Error).message); // runtime-spec: a failed poststop hook is a warning
  }
  store.remove(id);
}

export async function pause(store: StateStore, id: string, freeze: boolean): Promise<void> {
  const state = store.load(id);
  const status = store.status(state);
  if (freeze && status !== 'running') throw new OciError(`cannot pause a container that is ${status}: ${id}`);
  if (!freeze && status !== 'paused') throw new OciError(`cannot resume a container that is ${status}: ${id}`);
  const manager = cgroupManager(state.cgroup);
  if (freeze) await manager.freeze();
  else await manager.thaw();
  await store.save({ ...state, paused: freeze });
}

/** `update --resources FILE|- ID`: new limits (linux.resources JSON, as containerd's shim sends them) on the cgroup. */
export async function update(store: StateStore, log: Logger, id: string, resourcesFile: string | undefined): Promise<void> {
  const state = store.load(id);
  if (store.status(state) === 'stopped') throw new OciError(`container not running: ${id}`);
  if (!resourcesFile) throw new OciError('update: give --resources FILE (or - for stdin); the single-limit flags are not supported');
  let parsed: unknown;
  if (resourcesFile !== '-') parsed = readJsonFile(resourcesFile, 'resources');
  else {
    try {
      parsed = JSON.parse(readFileSync(0, 'utf8'));
    } catch (error) {
      throw new OciError(`update: the resources on stdin are not valid JSON: ${(error as Error).message}`);
    }
  }
  const { warnings } = await cgroupManager(state.cgroup).set(resourcesOf(parsed as OciResources));
  for (const warning of warnings) log.warn(warning);
}

