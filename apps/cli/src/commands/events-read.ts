import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { eventsFile, type EventMessage, type Roots } from '@skiff/core';
import { parseFilters, labelMatches } from '../flags/filters.js';
import { parseTimestamp } from '../flags/timestamp.js';
import { compileTemplate, struct, type Template } from '../template/index.js';
import type { EventsOptions } from './events.js';

const POLL_MS = 100;
const EVENT_FILTERS = ['container', 'event', 'type', 'image', 'label', 'volume'] as const;

/** docker's default line: `2026-12-01T00:25:06.123456789Z container create ID (image=busybox, name=web)`. */
export function eventLine(event: EventMessage): string {
  const nanos = String(event.timeNano % 1_000_000_000).padStart(9, '0');
  const time = `${new Date(event.time * 1000).toISOString().slice(0, 19)}.${nanos}Z`;
  const attributes = Object.keys(event.Actor.Attributes)
    .sort()
    .map((key) => `${key}=${event.Actor.Attributes[key]}`)
    .join(', ');
  return `${time} ${event.Type} ${event.Action} ${event.Actor.ID}${attributes ? ` (${attributes})` : ''}`;
}

/** The value templates see: Go's events.Message field names; `{{json .}}` prints the JSON docker sends. */
function templateValue(event: EventMessage) {
  const value = struct('events.Message', {
    Status: event.status,
    ID: event.id,
    From: event.from ?? '',
    Type: event.Type,
    Action: event.Action,
    Actor: struct('events.Actor', { ID: event.Actor.ID, Attributes: event.Actor.Attributes }),
    Scope: event.scope,
    Time: event.time,
    TimeNano: event.timeNano,
  });
  return Object.defineProperty(value, 'toJSON', { value: () => event, enumerable: false });
}

function matcher(words: string[]): (event: EventMessage) => boolean {
  const filters = parseFilters(words, EVENT_FILTERS);
  const any = (key: string, test: (value: string) => boolean) => (filters.get(key) ?? []).length === 0 || filters.get(key)!.some(test);
  return (event) =>
    any('container', (value) => event.Type === 'container' && (event.Actor.ID === value || event.Actor.ID.startsWith(value) || event.Actor.Attributes.name === value)) &&
    any('event', (value) => event.Action === value) &&
    any('type', (value) => event.Type === value) &&
    any('image', (value) => event.from === value || event.Actor.Attributes.image === value) &&
    any('volume', (value) => event.Type === 'volume' && event.Actor.ID === value) &&
    (filters.get('label') ?? []).every((label) => labelMatches(event.Actor.Attributes, label));
}

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

export async function followEvents(roots: Roots, options: EventsOptions): Promise<void> {
  const now = Date.now();
  const since = options.since === undefined ? now : parseTimestamp(options.since, '--since', now);
  const until = options.until === undefined ? undefined : parseTimestamp(options.until, '--until', now);
  const match = matcher(options.filter ?? []);
  const format: Template | undefined = options.format === undefined ? undefined : compileTemplate(options.format === 'json' ? '{{json .}}' : options.format);
  const print = (line: string) => {
    let event: EventMessage;
    try {
      event = JSON.parse(line) as EventMessage;
    } catch {
      return; // a line cut by a crash mid-write
    }
    const at = event.timeNano / 1e6;
    if (at < since || (until !== undefined && at > until) || !match(event)) return;
    process.stdout.write(`${format ? format.render(templateValue(event)) : eventLine(event)}\n`);
  };
  const path = eventsFile(roots);
  // Past events: the rotated file first, then the current one.
  if (options.since !== undefined) {
    const old = open(`${path}.1`);
    if (old) {
      old.lines().forEach(print);
      closeSync(old.fd);
    }
  }
  let current = open(path);
  const skipPast = options.since === undefined;
  if (current) for (const line of current.lines()) if (!skipPast) print(line);
  if (until !== undefined && until <= Date.now()) return;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (!current) current = open(path);
    if (current) {
      current.lines().forEach(print);
      // Rotated: what was appended before the rename is read above; the new file is read from its start.
      let rotated = false;
      try {
        rotated = statSync(path).ino !== fstatSync(current.fd).ino;
      } catch {
        rotated = true;
      }
      if (rotated) {
        current.lines().forEach(print);
        closeSync(current.fd);
        current = open(path);
        current?.lines().forEach(print);
      }
    }
    if (until !== undefined && Date.now() >= until) return;
  }
}
