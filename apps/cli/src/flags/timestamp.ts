import { invalidArgument } from '@skiff/plugin';

/**
 * docker's time values (`--since`, `--until`, `until=` filters): a timestamp (RFC 3339 or a date), unix seconds
 * (with a fraction), or a duration before now (`10m`, `1h30m`, `45s`). In milliseconds since the epoch.
 */
export function parseTimestamp(value: string, what: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const duration = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(value);
  if (duration && value !== '') return now - ((Number(duration[1] ?? 0) * 60 + Number(duration[2] ?? 0)) * 60 + Number(duration[3] ?? 0)) * 1000;
  const time = Date.parse(value);
  if (!Number.isNaN(time)) return time;
  throw invalidArgument(`invalid ${what} ${JSON.stringify(value)}: expected a timestamp, unix seconds or a duration such as 10m`);
}
