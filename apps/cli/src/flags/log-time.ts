import { invalidArgument } from '@skiff/plugin/errors';

/**
 * docker's time values for `logs --since/--until`: RFC 3339 (or any date Date.parse takes), unix seconds with an
 * optional fraction, or a Go duration before now (`10m`, `1h30m`, `1.5s`). Milliseconds since the epoch.
 */
export function logTime(value: string, flag: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(value)) {
    let ms = 0;
    for (const [, number, , unit] of value.matchAll(/(\d+(\.\d+)?)(ms|s|m|h)/g)) ms += Number(number) * units[unit!]!;
    return now - ms;
  }
  const time = /^\d{4}-\d\d-\d\d/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isNaN(time)) return time;
  throw invalidArgument(`invalid value for ${flag}: ${JSON.stringify(value)}`, { hint: 'a timestamp (2013-01-02T13:23:37Z), unix seconds, or a duration such as 10m' });
}
