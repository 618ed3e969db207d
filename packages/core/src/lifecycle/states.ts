import { SkiffError } from '@skiff/plugin';
import type { ContainerStatus } from '../state/record.js';

/**
 * The container lifecycle, one transition table (after runc's libcontainer/state_linux.go).
 *
 *   created ──start──▶ running ──exit──▶ stopped ──start──▶ running
 *      │                                    │
 *      └──────────────remove────────────────┴──▶ (gone)
 */
export type Transition = 'start' | 'exit' | 'remove';

const table: Record<ContainerStatus, Partial<Record<Transition, ContainerStatus | 'removed'>>> = {
  created: { start: 'running', remove: 'removed', exit: 'stopped' },
  running: { exit: 'stopped' },
  stopped: { start: 'running', remove: 'removed' },
};

const why: Partial<Record<`${ContainerStatus}:${Transition}`, string>> = {
  'running:start': 'it is already running',
  'running:remove': 'it is running; stop it first or force the removal (-f)',
  'stopped:exit': 'it is not running',
};

/** The status after `transition`, or a FAILED_PRECONDITION error naming the container and the reason. */
export function transition(name: string, from: ContainerStatus, move: Transition): ContainerStatus | 'removed' {
  const to = table[from][move];
  if (to === undefined) {
    throw new SkiffError(
      'FAILED_PRECONDITION',
      `cannot ${move} container ${name}: ${why[`${from}:${move}`] ?? `it is ${from}`}`,
    );
  }
  return to;
}
