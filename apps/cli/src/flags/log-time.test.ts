import { describe, expect, it } from 'vitest';
import { logTime } from './log-time.js';

describe('logs --since/--until', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('takes timestamps, unix seconds and durations ago', () => {
    expect(logTime('2025-12-31T23:00:00Z', '--since', now)).toBe(now - 3_600_000);
    expect(logTime('1700000000.5', '--since', now)).toBe(1_700_000_000_500);
    expect(logTime('10m', '--since', now)).toBe(now - 600_000);
    expect(logTime('1h30m', '--until', now)).toBe(now - 5_400_000);
  });
  it.each(['', 'yesterday', '10x', '-5m', '1e3'])('refuses %j', (bad) => {
    expect(() => logTime(bad, '--since', now)).toThrow(/invalid value for --since/);
  });
});
