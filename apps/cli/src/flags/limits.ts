import type { Ulimit } from '@skiff/core';
import { invalidArgument } from '@skiff/plugin/errors';
import { parseBytes } from './resources.js';

/** docker's --ulimit NAME=SOFT[:HARD] (HARD defaults to SOFT; -1 is unlimited). */
export function parseUlimit(text: string): Ulimit {
  const match = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(text);
  if (!match) throw invalidArgument(`invalid ulimit argument: ${text}`, { hint: 'NAME=SOFT[:HARD], e.g. nofile=1024:2048' });
  const soft = Number(match[2]);
  const hard = match[3] === undefined ? soft : Number(match[3]);
  return { name: match[1]!, soft, hard };
}

/** --sysctl KEY=VALUE entries into a map (a later KEY wins). */
export function parseSysctls(entries: string[]): Record<string, string> {
  const result: [string, string][] = [];
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    if (equals <= 0) throw invalidArgument(`invalid argument "${entry}" for "--sysctl" flag: expected KEY=VALUE`);
    result.push([entry.slice(0, equals), entry.slice(equals + 1)]);
  }
  return Object.fromEntries(result);
}

/** --shm-size: bytes with b, k, m, g suffixes. */
export const parseShmSize = (text: string): number => parseBytes(text, '--shm-size');
