import type { Environment } from '@skiff/core';
import { invalidArgument } from '@skiff/plugin/errors';

const NAME = /^[^=\0]+$/;

/**
 * `-e KEY=VALUE` entries into name → value (a later KEY wins). With `shell` (run and create, as docker),
 * `-e KEY` copies KEY from it and is dropped when unset there; without (exec), `-e KEY` is refused.
 */
export function parseEnv(entries: string[], shell?: NodeJS.ProcessEnv): Environment {
  const env: [string, string][] = [];
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    if (equals < 0 && shell) {
      if (!entry) throw invalidArgument('empty -e entry: expected KEY=VALUE or KEY');
      // hasOwn: `-e __proto__` must not read the object's prototype.
      const value = Object.hasOwn(shell, entry) ? shell[entry] : undefined;
      if (value !== undefined) env.push([entry, value]);
      continue;
    }
    const name = equals < 0 ? entry : entry.slice(0, equals);
    if (equals < 0 || !NAME.test(name) || entry.includes('\0')) {
      throw invalidArgument(`invalid environment entry ${JSON.stringify(entry)}: expected KEY=VALUE`);
    }
    env.push([name, entry.slice(equals + 1)]);
  }
  // fromEntries defines own properties: a name such as __proto__ stays a variable, not the prototype.
  return Object.fromEntries(env);
}
