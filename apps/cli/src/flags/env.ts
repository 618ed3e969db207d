import { readFileSync } from 'node:fs';
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

/**
 * docker's --env-file: KEY=VALUE a line, the value as written (no quotes removed); leading whitespace, blank
 * lines and `#` lines skipped; a bare KEY copies it from `shell` (dropped when unset there). Returns `-e`
 * style entries, to be given before the command line's own -e (which win).
 */
export function readEnvFile(path: string, shell: NodeJS.ProcessEnv): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw invalidArgument(`--env-file ${JSON.stringify(path)}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  const entries: string[] = [];
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const equals = line.indexOf('=');
    const key = equals < 0 ? line : line.slice(0, equals);
    if (key === '' || /\s/.test(key) || line.includes('\0')) {
      throw invalidArgument(`--env-file ${JSON.stringify(path)}: bad variable ${JSON.stringify(key)} on line ${index + 1}`, { hint: 'each line is KEY=VALUE or KEY' });
    }
    if (equals >= 0) entries.push(line);
    else if (Object.hasOwn(shell, key) && shell[key] !== undefined) entries.push(`${key}=${shell[key]}`);
  });
  return entries;
}
