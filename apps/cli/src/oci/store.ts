/**
 * skiff-runc's state, one directory per container under --root (default /run/skiff-runc), as runc keeps its own:
 *
 *   ROOT/ID/state.json   ContainerState, written atomically
 *   ROOT/ID/exec.fifo    exists from create until start: the init waits on it (see c/oci.c)
 *
 * The status is never stored; it is read from the processes: the init gone (pid and start time) → stopped,
 * the fifo still there → created, the cgroup frozen by `pause` → paused, else running.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isSameProcess } from '@skiff/core';
import { writeJsonAtomic } from '@skiff/plugin';
import type { SecurityOptions } from '@skiff/native';
import type { CgroupLocation } from './cgroup.js';
import { OciError } from './errors.js';
import type { OciHook } from './spec.js';

export const DEFAULT_ROOT = '/run/skiff-runc';
const ID = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,1023}$/;

export type OciStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface ContainerState {
  ociVersion: string;
  id: string;
  pid: number;
  /** /proc/PID/stat start time: a reused pid is not our init. */
  pidStartTime: string;
  bundle: string;
  rootfs: string;
  created: string;
  annotations: Record<string, string>;
  /** The cgroup: createCgroupManager({ name, parent }). */
  cgroup: CgroupLocation;
  /** What an exec'd process may do at most: the container's seccomp profile. */
  seccomp: SecurityOptions['seccomp'];
  /** Hooks run after start and after delete. */
  hooks: { poststart: OciHook[]; poststop: OciHook[] };
  paused?: boolean;
}

export function checkId(id: string | undefined): string {
  if (!id) throw new OciError('container id cannot be empty');
  if (!ID.test(id)) throw new OciError(`invalid container id ${JSON.stringify(id)}: letters, digits, _ . + - only`);
  return id;
}

export class StateStore {
  constructor(readonly root: string) {}

  dir(id: string): string {
    return join(this.root, checkId(id));
  }

  fifo(id: string): string {
    return join(this.dir(id), 'exec.fifo');
  }

  /** Makes the container's directory; a container of that id must not exist. */
  reserve(id: string): string {
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    const dir = this.dir(id);
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new OciError(`container with id exists: ${id}`);
      throw error;
    }
    return dir;
  }

  load(id: string): ContainerState {
    let text: string;
    try {
      text = readFileSync(join(this.dir(id), 'state.json'), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new OciError(`container does not exist: ${id}`);
      throw error;
    }
    return JSON.parse(text) as ContainerState;
  }

  save(state: ContainerState): Promise<void> {
    return writeJsonAtomic(join(this.dir(state.id), 'state.json'), state);
  }

  remove(id: string): void {
    rmSync(this.dir(id), { recursive: true, force: true });
  }

  ids(): string[] {
    try {
      return readdirSync(this.root).filter((name) => ID.test(name) && existsSync(join(this.root, name, 'state.json')));
    } catch {
      return [];
    }
  }

  status(state: ContainerState): OciStatus {
    if (!isSameProcess(state.pid, state.pidStartTime)) return 'stopped';
    if (existsSync(this.fifo(state.id))) return 'created';
    return state.paused ? 'paused' : 'running';
  }
}

/** The state as runc prints it (and as hooks read it on stdin). */
export function publicState(state: ContainerState, status: OciStatus) {
  return {
    ociVersion: state.ociVersion,
    id: state.id,
    pid: status === 'stopped' ? 0 : state.pid,
    status,
    bundle: state.bundle,
    rootfs: state.rootfs,
    created: state.created,
    owner: '',
    annotations: state.annotations,
  };
}
