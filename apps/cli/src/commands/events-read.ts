import { EVENT_FILTERS, eventMatcher, readEvents, type EventMessage, type Roots } from '@skiff/core';
import { parseFilters } from '../flags/filters.js';
import { parseTimestamp } from '../flags/timestamp.js';
import { compileTemplate, struct, type Template } from '../template/index.js';
import type { EventsOptions } from './events.js';

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
  return eventMatcher((key) => filters.get(key));
}

export async function followEvents(roots: Roots, options: EventsOptions): Promise<void> {
  const now = Date.now();
  const since = options.since === undefined ? undefined : parseTimestamp(options.since, '--since', now);
  const until = options.until === undefined ? undefined : parseTimestamp(options.until, '--until', now);
  const match = matcher(options.filter ?? []);
  const format: Template | undefined = options.format === undefined ? undefined : compileTemplate(options.format === 'json' ? '{{json .}}' : options.format);
  for await (const event of readEvents(roots, { since, until })) {
    if (match(event)) process.stdout.write(`${format ? format.render(templateValue(event)) : eventLine(event)}\n`);
  }
}
