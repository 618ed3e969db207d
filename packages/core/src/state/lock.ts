import { join } from 'node:path';
import { isLocked, withLock } from '@skiff/plugin';
import type { Roots } from '../roots.js';

/** Serialises state changes of one container across concurrent skiff processes (start, stop, cleanup, rm). */
export const withContainerLock = <T>(roots: Roots, id: string, action: () => Promise<T>): Promise<T> =>
  withLock(join(roots.runRoot, 'locks', `${id}.lock`), action, { what: `container ${id.slice(0, 12)}` });

/**
 * Serialises restarts of one container. Not the container lock: a restart's stop and start each take that one,
 * and the exit command of the stopped run needs it in between.
 */
export const withRestartLock = <T>(roots: Roots, id: string, action: () => Promise<T>): Promise<T> =>
  withLock(join(roots.runRoot, 'locks', `${id}.restart.lock`), action, { what: `container ${id.slice(0, 12)} (a restart)` });

/** Whether a start, stop or teardown of the container is under way in some process now. */
export const containerBusy = (roots: Roots, id: string): Promise<boolean> => isLocked(join(roots.runRoot, 'locks', `${id}.lock`));
