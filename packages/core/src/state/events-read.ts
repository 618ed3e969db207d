import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { Roots } from '../roots.js';
import { eventsFile, type EventMessage } from './events.js';

const POLL_MS = 100;

/** Reads whole lines appended to one file, from an offset, by fd (a rotation renames the file; the fd stays). */
class Tail {
  private offset = 0;
  private rest = '';
  constructor(readonly fd: number) {}

  lines(): string[] {
    const buffer = Buffer.alloc(64 * 1024);
    let text = '';
    for (;;) {
      const read = readSync(this.fd, buffer, 0, buffer.length, this.offset);
      if (read === 0) break;
      this.offset += read;
      text += buffer.toString('utf8', 0, read);
    }
    const lines = (this.rest + text).split('\n');
    this.rest = lines.pop()!;
    return lines.filter(Boolean);
  }
}

function open(path: string): Tail | undefined {
  try {
    return new Tail(openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW));
  } catch {
    return undefined;
  }
}

function parse(line: string): EventMessage | undefined {
  try {
    return JSON.parse(line) as EventMessage;
  } catch {
    return undefined; // a line cut by a crash mid-write
  }
}

export interface ReadEventsOptions {
  /** Unix ms: events from then on, past ones included; absent: only events that happen from now. */
  since?: number;
  /** Unix ms: stop once this time is reached (past events up to it are read first); absent: follow until aborted. */
  until?: number;
  signal?: AbortSignal;
}

/**
 * The events journal (see events.ts) as a stream of messages within [since, until], following the file (and its
 * rotation) by polling until `until` passes or the signal aborts. Used by `skiff events` and the Docker API.
 */
export async function* readEvents(roots: Roots, options: ReadEventsOptions = {}): AsyncGenerator<EventMessage> {
  const { since, until, signal } = options;
  const now = Date.now();
  const from = since ?? now;
  const within = (event: EventMessage | undefined): event is EventMessage => event !== undefined && event.timeNano / 1e6 >= from && (until === undefined || event.timeNano / 1e6 <= until);
  const path = eventsFile(roots);
  // Past events: the rotated file first, then the current one.
  if (since !== undefined) {
    const old = open(`${path}.1`);
    if (old) {
      try {
        yield* old.lines().map(parse).filter(within);
      } finally {
        closeSync(old.fd);
      }
    }
  }
  let current = open(path);
  try {
    if (current) {
      const past = current.lines();
      if (since !== undefined) yield* past.map(parse).filter(within);
    }
    if (until !== undefined && until <= Date.now()) return;
    while (!signal?.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, POLL_MS);
        function done() {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          resolve();
        }
        signal?.addEventListener('abort', done, { once: true });
      });
      if (signal?.aborted) return;
      if (!current) current = open(path);
      if (current) {
        yield* current.lines().map(parse).filter(within);
        // Rotated: what was appended before the rename is read above; the new file is read from its start.
        let rotated = false;
        try {
          rotated = statSync(path).ino !== fstatSync(current.fd).ino;
        } catch {
          rotated = true;
        }
        if (rotated) {
          const last = current.lines();
          closeSync(current.fd);
          current = open(path);
          yield* [...last, ...(current?.lines() ?? [])].map(parse).filter(within);
        }
      }
      if (until !== undefined && Date.now() >= until) return;
    }
  } finally {
    if (current) closeSync(current.fd);
  }
}

/** docker's label filter: `key` (present) or `key=value`. */
export function labelMatches(labels: Record<string, string> | undefined, wanted: string): boolean {
  const equals = wanted.indexOf('=');
  const [key, value] = equals < 0 ? [wanted, undefined] : [wanted.slice(0, equals), wanted.slice(equals + 1)];
  return labels !== undefined && Object.hasOwn(labels, key) && (value === undefined || labels[key] === value);
}

/** The filter keys of `docker events`. */
export const EVENT_FILTERS = ['container', 'event', 'type', 'image', 'label', 'volume'] as const;

/** docker events' filters (values by key; a key's values are ORed, keys ANDed, labels all ANDed) as a test. */
export function eventMatcher(filters: (key: (typeof EVENT_FILTERS)[number]) => string[] | undefined): (event: EventMessage) => boolean {
  const any = (key: (typeof EVENT_FILTERS)[number], test: (value: string) => boolean) => (filters(key) ?? []).length === 0 || filters(key)!.some(test);
  return (event) =>
    any('container', (value) => event.Type === 'container' && (event.Actor.ID === value || event.Actor.ID.startsWith(value) || event.Actor.Attributes.name === value)) &&
    any('event', (value) => event.Action === value) &&
    any('type', (value) => event.Type === value) &&
    any('image', (value) => event.from === value || event.Actor.Attributes.image === value) &&
    any('volume', (value) => event.Type === 'volume' && event.Actor.ID === value) &&
    (filters('label') ?? []).every((label) => labelMatches(event.Actor.Attributes, label));
}
