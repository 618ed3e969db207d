import type { Healthcheck } from '@skiff/core';
import { invalidArgument } from '@skiff/plugin/errors';

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration ("1m30s", "500ms", "2h"), in milliseconds (fractions kept). */
export function parseDuration(text: string, flag: string): number {
  const bad = () => invalidArgument(`invalid argument "${text}" for "${flag}" flag: time: invalid duration "${text}"`, { hint: 'e.g. 30s, 1m30s, 500ms' });
  if (text === '0') return 0;
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) throw bad();
  let ms = 0;
  for (const [, number, , unit] of text.matchAll(/(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(number) * UNITS[unit!]!;
  if (!Number.isFinite(ms) || ms > 2 ** 40) throw bad();
  return ms;
}

export interface HealthFlags {
  healthCmd?: string;
  healthInterval?: string;
  healthTimeout?: string;
  healthStartPeriod?: string;
  healthStartInterval?: string;
  healthRetries?: string;
  healthcheck?: boolean; // --no-healthcheck sets false
}

/** docker's --health-* flags (and --no-healthcheck) into a Healthcheck; undefined when none is given. */
export function healthFromFlags(flags: HealthFlags): Healthcheck | undefined {
  const timing = flags.healthInterval ?? flags.healthTimeout ?? flags.healthStartPeriod ?? flags.healthStartInterval ?? flags.healthRetries;
  if (flags.healthcheck === false) {
    if (flags.healthCmd !== undefined || timing !== undefined) throw invalidArgument('--no-healthcheck conflicts with --health-* options');
    return { test: ['NONE'] };
  }
  if (flags.healthCmd === undefined && timing === undefined) return undefined;
  if (flags.healthCmd === '') throw invalidArgument('--health-cmd is empty');
  const retries = flags.healthRetries === undefined ? undefined : Number(flags.healthRetries);
  if (retries !== undefined && (!/^-?\d+$/.test(flags.healthRetries!) || retries < 0)) throw invalidArgument('--health-retries cannot be negative');
  const duration = (value: string | undefined, flag: string) => {
    if (value === undefined) return undefined;
    const ms = parseDuration(value, flag);
    if (ms !== 0 && ms < 1) throw invalidArgument(`${flag} cannot be less than 1ms`);
    return Math.round(ms);
  };
  return {
    // no --health-cmd: the times apply to the image's HEALTHCHECK (none: no check)
    test: flags.healthCmd === undefined ? [] : ['CMD-SHELL', flags.healthCmd],
    intervalMs: duration(flags.healthInterval, '--health-interval'),
    timeoutMs: duration(flags.healthTimeout, '--health-timeout'),
    startPeriodMs: duration(flags.healthStartPeriod, '--health-start-period'),
    startIntervalMs: duration(flags.healthStartInterval, '--health-start-interval'),
    retries,
  };
}
