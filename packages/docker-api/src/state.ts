import type { Duplex } from 'node:stream';
import type { Attachment } from 'skiff';
import type { Sink } from './frames.js';

/** A client attached to a created container, waiting for its start (the docker CLI attaches before it starts). */
export interface PendingAttach extends Sink {
  stream: Duplex;
  stdin: boolean;
}

/** A container the service started attached: its streams stay with the service, shared by its attached clients. */
export interface OwnedContainer {
  attachment: Attachment;
  tty: boolean;
  sinks: Set<Sink>;
}

export interface ExecInstance {
  id: string;
  container: string;
  args: string[];
  env: Record<string, string>;
  workdir?: string;
  user?: string;
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  running: boolean;
  exitCode: number | null;
  attachment?: Attachment;
  /** A resize that came before the start. */
  size?: [number, number];
}

/** What the service remembers between requests (nothing of it is needed after a restart of the service). */
export class State {
  readonly pending = new Map<string, Set<PendingAttach>>();
  readonly owned = new Map<string, OwnedContainer>();
  /** The exit of each attached start, by container id: the exit code of a `--rm` container outlives its record. */
  readonly exits = new Map<string, Promise<number>>();
  readonly execs = new Map<string, ExecInstance>();
  /** Called when `owned` changes (the service stays up while it relays a container's stdio). */
  onChange: () => void = () => {};

  /** Takes the clients waiting for `id` to start. */
  takePending(id: string): PendingAttach[] {
    const waiting = [...(this.pending.get(id) ?? [])].filter((attach) => !attach.stream.destroyed);
    this.pending.delete(id);
    return waiting;
  }
}
