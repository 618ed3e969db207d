import { readFileSync } from 'node:fs';
import { invalidArgument } from '@skiff/plugin';

/**
 * docker's --env-file and --label-file: one KEY=VALUE a line, the value taken as written (no quotes removed);
 * leading whitespace, blank lines and lines starting with # are skipped. In an env file a bare KEY copies the
 * variable from `shell` (dropped when unset there); in a label file it is a label with an empty value.
 */
export function readKeyValueFile(path: string, flag: '--env-file' | '--label-file', shell?: NodeJS.ProcessEnv): string[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw invalidArgument(`${flag} ${JSON.stringify(path)}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes).replace(/^\uFEFF/, '');
  const entries: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    if (raw.includes('\uFFFD')) throw invalidArgument(`${flag} ${JSON.stringify(path)} contains invalid utf8 bytes at line ${index + 1}`);
    const line = raw.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#')) return;
    const equals = line.indexOf('=');
    const key = equals < 0 ? line : line.slice(0, equals);
    if (key === '') throw invalidArgument(`${flag} ${JSON.stringify(path)}: no variable name on line ${index + 1}`);
    if (/\s/.test(key)) throw invalidArgument(`${flag} ${JSON.stringify(path)}: variable ${JSON.stringify(key)} contains whitespaces (line ${index + 1})`);
    if (key.includes('\0') || line.includes('\0')) throw invalidArgument(`${flag} ${JSON.stringify(path)}: NUL byte on line ${index + 1}`);
    if (equals >= 0) entries.push(line);
    else if (flag === '--label-file') entries.push(`${key}=`);
    else if (shell && Object.hasOwn(shell, key) && shell[key] !== undefined) entries.push(`${key}=${shell[key]}`);
  });
  return entries;
}

/** `-l KEY=VALUE` (or `KEY`, an empty value) after the label files', a later one wins. */
export function parseLabels(files: string[], labels: string[]): Record<string, string> {
  const result: [string, string][] = [];
  for (const entry of [...files.flatMap((file) => readKeyValueFile(file, '--label-file')), ...labels]) {
    const equals = entry.indexOf('=');
    const key = equals < 0 ? entry : entry.slice(0, equals);
    if (key === '' || key.includes('\0')) throw invalidArgument(`invalid label ${JSON.stringify(entry)}: expected KEY=VALUE`);
    result.push([key, equals < 0 ? '' : entry.slice(equals + 1)]);
  }
  return Object.fromEntries(result);
}
