import { closeSync, constants, fstatSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Roots } from '../roots.js';
import type { ContainerRecord } from './record.js';

/**
 * `skiff events` without a daemon: every process that changes state appends one JSON line (docker's event message)
 * to <root>/events.log. The file is opened O_APPEND|O_NOFOLLOW (0600), and each line is one write(2), so lines of
 * concurrent writers never interleave. Past MAX_BYTES it is renamed to events.log.1 (the one older file kept).
 * Names and labels are JSON-escaped: a newline in a label cannot forge a line.
 */
export interface EventMessage {
  status: string;
  id: string;
  from?: string;
  Type: 'container' | 'image' | 'volume';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
}

export const eventsFile = (roots: Roots) => join(roots.root, 'events.log');

const MAX_BYTES = 4 * 1024 * 1024;

export function appendEvent(roots: Roots, type: EventMessage['Type'], action: string, id: string, attributes: Record<string, string>, from?: string): void {
  const nanos = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  const message: EventMessage = {
    status: action,
    id,
    ...(from === undefined ? {} : { from }),
    Type: type,
    Action: action,
    Actor: { ID: id, Attributes: attributes },
    scope: 'local',
    time: Number(nanos / 1_000_000_000n),
    timeNano: Number(nanos),
  };
  const path = eventsFile(roots);
  try {
    const fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, `${JSON.stringify(message)}\n`);
      if (fstatSync(fd).size > MAX_BYTES) renameSync(path, `${path}.1`);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Events are a record of what happened, never a reason for it to fail (a full disk, a read-only root).
  }
}

/** A container event with docker's attributes: image, name, the container's labels, and `extra`. */
export function containerEvent(roots: Roots, action: string, record: ContainerRecord, extra: Record<string, string> = {}): void {
  appendEvent(roots, 'container', action, record.id, { ...record.config.labels, image: record.config.image, name: record.name, ...extra }, record.config.image);
}
