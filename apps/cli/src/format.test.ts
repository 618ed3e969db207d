import { describe, expect, it } from 'vitest';
import { bytesSize, humanDuration, humanSize, table } from './format.js';

describe('output formatting', () => {
  it('pads table columns like docker', () => {
    expect(table(['A', 'LONGER'], [['xyz', '1'], ['q', '22']])).toBe('A     LONGER\nxyz   1\nq     22\n');
  });

  it('prints durations the way docker does', () => {
    expect(humanDuration(300)).toBe('Less than a second');
    expect(humanDuration(1000)).toBe('1 second');
    expect(humanDuration(3000)).toBe('3 seconds');
    expect(humanDuration(90_000)).toBe('About a minute');
    expect(humanDuration(150_000)).toBe('2 minutes');
    expect(humanDuration(3_600_000)).toBe('About an hour');
    expect(humanDuration(5 * 3_600_000)).toBe('5 hours');
    expect(humanDuration(3 * 86_400_000)).toBe('3 days');
  });

  it('prints sizes in decimal units', () => {
    expect(humanSize(512)).toBe('512B');
    expect(humanSize(2_130_000)).toBe('2.13MB');
  });

  it('prints memory in binary units with 4 digits, as docker stats', () => {
    expect(bytesSize(512)).toBe('512B');
    expect(bytesSize(1536 * 1024)).toBe('1.5MiB');
    expect(bytesSize(25_275_240_448)).toBe('23.54GiB');
  });
});
