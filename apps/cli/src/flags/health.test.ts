import { describe, expect, it } from 'vitest';
import { healthFromFlags, parseDuration } from './health.js';

describe('--health-* flags', () => {
  it('parses Go durations', () => {
    expect(parseDuration('30s', 'f')).toBe(30_000);
    expect(parseDuration('1m30s', 'f')).toBe(90_000);
    expect(parseDuration('500ms', 'f')).toBe(500);
    expect(parseDuration('1.5h', 'f')).toBe(5_400_000);
    expect(parseDuration('0', 'f')).toBe(0);
  });

  it.each(['', '30', 's', '-1s', '1x', '1s ', '9999999999999h'])('refuses duration %j', (bad) => {
    expect(() => parseDuration(bad, '--health-interval')).toThrow(/invalid duration/);
  });

  it('builds a CMD-SHELL check, and NONE for --no-healthcheck', () => {
    expect(healthFromFlags({ healthCmd: 'true', healthInterval: '1s', healthRetries: '2' })).toEqual({
      test: ['CMD-SHELL', 'true'],
      intervalMs: 1000,
      timeoutMs: undefined,
      startPeriodMs: undefined,
      retries: 2,
    });
    expect(healthFromFlags({ healthcheck: false })).toEqual({ test: ['NONE'] });
    expect(healthFromFlags({})).toBeUndefined();
    expect(() => healthFromFlags({ healthCmd: 'x', healthRetries: '-1' })).toThrow(/cannot be negative/);
    expect(() => healthFromFlags({ healthCmd: 'x', healthInterval: '100us' })).toThrow(/less than 1ms/);
    expect(() => healthFromFlags({ healthcheck: false, healthCmd: 'x' })).toThrow(/conflicts/);
  });
});
