import { invalidArgument as invalid } from '@skiff/plugin/errors';

/** --oom-score-adj: a whole number -1000..1000 (docker's range). */
export function parseOomScoreAdj(text: string): number {
  const value = Number(text.trim());
  if (!/^-?\d+$/.test(text.trim()) || value < -1000 || value > 1000) {
    throw invalid(`invalid --oom-score-adj ${JSON.stringify(text)}: range for oom score adj is [-1000, 1000]`);
  }
  return value;
}

/** --annotation KEY=VALUE entries into a map (a later KEY wins); the key must not be empty. */
export function parseAnnotations(entries: string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of entries) {
    const equals = entry.indexOf('=');
    if (equals <= 0) throw invalid(`invalid argument ${JSON.stringify(entry)} for "--annotation" flag: expected KEY=VALUE`);
    result[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return result;
}

/** --link NAME[:ALIAS] (docker's legacy links). */
export function parseLink(spec: string): { container: string; alias?: string } {
  const [container = '', alias, extra] = spec.split(':');
  if (container === '' || alias === '' || extra !== undefined) throw invalid(`invalid --link ${JSON.stringify(spec)}: expected NAME[:ALIAS]`);
  return alias === undefined ? { container } : { container, alias };
}
