import { describe, expect, it } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import {
  formatList,
  parseBytes,
  parseCpus,
  parseCpuset,
  parseCpuShares,
  parseList,
  parseMemory,
  parseMemorySwap,
  parsePidsLimit,
  resourcesFromFlags,
} from './resources.js';

const MiB = 1024 * 1024;

/** Run `fn`, expect a SkiffError INVALID_ARGUMENT, return its message. */
function invalid(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(SkiffError.is(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error('expected an INVALID_ARGUMENT error');
}

describe('parseBytes (docker units.RAMInBytes)', () => {
  it.each([
    ['512', 512],
    ['100b', 100],
    ['100B', 100],
    ['1k', 1024],
    ['32m', 32 * MiB],
    ['32M', 32 * MiB],
    ['32mb', 32 * MiB],
    ['32MiB', 32 * MiB],
    ['32 m', 32 * MiB],
    ['1.5g', 1.5 * 1024 * MiB],
    ['1.5G', 1536 * MiB],
    ['2t', 2 * 1024 ** 4],
    ['0.5k', 512],
    ['1.0001k', 1024], // fractions of a byte are dropped, as Go's int64(float)
  ])('%s → %d', (text, bytes) => {
    expect(parseBytes(text)).toBe(bytes);
  });

  it.each(['', 'm', '32x', '-1m', '32mbb', '32kib2', '1..5m', '32  m', 'abc', '1e3'])('rejects %j', (text) => {
    expect(invalid(() => parseBytes(text))).toMatch(/^invalid --memory size ".*": expected a number with an optional unit/);
  });
});

describe('parseMemory', () => {
  it('accepts 6 MiB and more; 0 means no limit as in docker', () => {
    expect(parseMemory('6m')).toBe(6 * MiB);
    expect(parseMemory('0')).toBe(0);
  });

  it('rejects less than 6 MiB with docker\'s message', () => {
    expect(invalid(() => parseMemory('4m'))).toBe('invalid --memory "4m": Minimum memory limit allowed is 6MB');
    expect(invalid(() => parseMemory('6291455'))).toContain('Minimum memory limit allowed is 6MB');
  });
});

describe('parseMemorySwap', () => {
  it('is the total of memory and swap: at least --memory, -1 for unlimited', () => {
    expect(parseMemorySwap('-1', 32 * MiB)).toBe(-1);
    expect(parseMemorySwap('-1', undefined)).toBe(-1);
    expect(parseMemorySwap('32m', 32 * MiB)).toBe(32 * MiB);
    expect(parseMemorySwap('1g', 32 * MiB)).toBe(1024 * MiB);
  });

  it('rejects a total below --memory, and a total without --memory', () => {
    expect(invalid(() => parseMemorySwap('16m', 32 * MiB))).toBe(
      'invalid --memory-swap "16m": it is memory plus swap, so it must be at least --memory (33554432 bytes)',
    );
    expect(invalid(() => parseMemorySwap('64m', undefined))).toBe('--memory-swap needs --memory: it limits memory plus swap together');
    expect(invalid(() => parseMemorySwap('-2', 32 * MiB))).toContain('invalid --memory-swap size "-2"');
  });
});

describe('parseCpus', () => {
  it.each([
    ['0.5', 50_000],
    ['1', 100_000],
    ['2', 200_000],
    ['0.3', 30_000], // exact decimal, not 30000.000000000004
    ['0.01', 1_000],
    ['1.25', 125_000],
    ['.5', 50_000],
    ['1.', 100_000],
  ])('%s → quota %d per 100000', (text, quota) => {
    expect(parseCpus(text, 2)).toEqual({ cpuQuota: quota, cpuPeriod: 100_000 });
  });

  it('rejects 0, more CPUs than the host has, less than 0.01, and junk', () => {
    expect(invalid(() => parseCpus('0', 2))).toBe('invalid --cpus "0": must be greater than 0');
    expect(invalid(() => parseCpus('2.5', 2))).toBe(
      'invalid --cpus "2.5": range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available',
    );
    expect(invalid(() => parseCpus('0.001', 2))).toContain('range of CPUs is from 0.01 to 2.00');
    expect(invalid(() => parseCpus('0.0000000001', 2))).toBe('invalid --cpus "0.0000000001": value is too precise');
    expect(invalid(() => parseCpus('-1', 2))).toContain('expected a number');
    expect(invalid(() => parseCpus('one', 2))).toContain('expected a number');
    expect(invalid(() => parseCpus('.', 2))).toContain('expected a number');
  });
});

describe('parseCpuShares', () => {
  it('accepts 2..262144; 0 is the default (undefined)', () => {
    expect(parseCpuShares('512')).toBe(512);
    expect(parseCpuShares(2)).toBe(2);
    expect(parseCpuShares('262144')).toBe(262_144);
    expect(parseCpuShares('0')).toBeUndefined();
  });

  it.each(['1', '262145', '-5', '1.5', 'x', ''])('rejects %j', (text) => {
    expect(invalid(() => parseCpuShares(text))).toMatch(/^invalid --cpu-shares/);
  });
});

describe('parsePidsLimit', () => {
  it('accepts a positive number; -1 and 0 mean unlimited (-1), as docker', () => {
    expect(parsePidsLimit('100')).toBe(100);
    expect(parsePidsLimit(5)).toBe(5);
    expect(parsePidsLimit('-1')).toBe(-1);
    expect(parsePidsLimit('0')).toBe(-1);
  });

  it.each(['-2', '1.5', 'ten', ''])('rejects %j', (text) => {
    expect(invalid(() => parsePidsLimit(text))).toBe(
      `invalid --pids-limit "${text}": expected a positive whole number, or -1 for unlimited`,
    );
  });
});

describe('parseList / formatList / parseCpuset', () => {
  it('round-trips kernel lists', () => {
    expect(parseList('0-2,4,7-8,1')).toEqual([0, 1, 2, 4, 7, 8]);
    expect(formatList([0, 1, 2, 4, 7, 8])).toBe('0-2,4,7-8');
    expect(parseList('')).toEqual([]);
    expect(formatList([])).toBe('');
  });

  it('accepts members of the host list and canonicalises', () => {
    expect(parseCpuset('0-1', '0-1')).toBe('0-1');
    expect(parseCpuset('1,0', '0-3')).toBe('0-1');
    expect(parseCpuset('0-1,3', '0-3')).toBe('0-1,3');
    expect(parseCpuset('0', '0', 'mems')).toBe('0');
  });

  it('names what the host lacks', () => {
    expect(invalid(() => parseCpuset('7', '0-1'))).toBe('cpuset 7 is not available; this host has CPUs 0-1');
    expect(invalid(() => parseCpuset('0-3,7', '0-1'))).toBe('cpuset 2-3,7 are not available; this host has CPUs 0-1');
    expect(invalid(() => parseCpuset('1', '0', 'mems'))).toBe('memory node 1 is not available; this host has memory nodes 0');
  });

  it.each(['a', '1-', '-1', '3-1', '1,,2', ' '])('rejects the syntax %j', (text) => {
    expect(invalid(() => parseCpuset(text, '0-3'))).toMatch(/^invalid --cpuset-cpus/);
  });
});

describe('resourcesFromFlags', () => {
  const host = { cpuCount: 2, onlineCpus: '0-1', memoryNodes: '0' };

  it('limits swap to nothing unless --memory-swap says otherwise, so the memory limit holds', () => {
    expect(resourcesFromFlags({ memory: '32m' }, host)).toEqual({ memory: 32 * MiB, memorySwap: 32 * MiB });
    expect(resourcesFromFlags({ memory: '32m', memorySwap: '64m' }, host)).toEqual({ memory: 32 * MiB, memorySwap: 64 * MiB });
    expect(resourcesFromFlags({ memory: '32m', memorySwap: '-1' }, host)).toEqual({ memory: 32 * MiB, memorySwap: -1 });
    // docker: --memory-swap 0 is "unset"
    expect(resourcesFromFlags({ memory: '32m', memorySwap: '0' }, host)).toEqual({ memory: 32 * MiB, memorySwap: 32 * MiB });
  });

  it('converts every flag', () => {
    expect(
      resourcesFromFlags(
        { memory: '64m', cpus: '0.5', cpuShares: '512', cpusetCpus: '1', cpusetMems: '0', pidsLimit: '20' },
        host,
      ),
    ).toEqual({
      memory: 64 * MiB,
      memorySwap: 64 * MiB,
      cpuQuota: 50_000,
      cpuPeriod: 100_000,
      cpuShares: 512,
      cpusetCpus: '1',
      cpusetMems: '0',
      pidsLimit: 20,
    });
  });

  it('leaves out what was not given, empty strings and docker\'s "0 = unset" values', () => {
    expect(resourcesFromFlags({}, host)).toEqual({});
    expect(resourcesFromFlags({ memory: '', cpus: '', cpuShares: '0', memorySwap: '' }, host)).toEqual({});
    expect(resourcesFromFlags({ memory: '0' }, host)).toEqual({});
    expect(resourcesFromFlags({ pidsLimit: '0' }, host)).toEqual({ pidsLimit: -1 });
  });

  it('passes the parsers\' errors through', () => {
    expect(invalid(() => resourcesFromFlags({ cpusetCpus: '7' }, host))).toBe('cpuset 7 is not available; this host has CPUs 0-1');
    expect(invalid(() => resourcesFromFlags({ memorySwap: '64m' }, host))).toContain('--memory-swap needs --memory');
    expect(invalid(() => resourcesFromFlags({ cpus: '3' }, host))).toContain('only 2 CPUs available');
  });
});
