// Property-based tests of the resource flag parsers: any input gives a valid value or one
// INVALID_ARGUMENT line naming the flag; accepted values keep the invariants the cgroup managers rely on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyString, attempt } from '../../../../test/fuzz.js';
import { SkiffError } from '@skiff/plugin';
import {
  CPU_PERIOD,
  MIN_MEMORY,
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

const kind = SkiffError;
const RUNS = { numRuns: 200 };
const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Numbers as people (and scripts) type them: integers, decimals, exponents, huge, negative, padded. */
const numberText = fc.oneof(
  fc.nat({ max: 10_000 }).map(String),
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.tuple(fc.stringMatching(/^\d{0,4}$/), fc.stringMatching(/^\d{0,12}$/)).map(([whole, fraction]) => `${whole}.${fraction}`),
  fc.constantFrom('-1', '-0', '0', '00', '.', '1.', '.5', '1e3', '0x10', 'Infinity', 'NaN', '9007199254740993', '1'.repeat(400)),
);
const unitText = fc.constantFrom('', 'b', 'B', 'k', 'K', 'kb', 'KiB', 'm', 'mb', 'MiB', 'g', 'G', 'gib', 't', 'p', 'e', 'x', 'bb', 'mbb');
const sizeText = fc
  .tuple(fc.constantFrom('', ' ', '\t', '\n'), numberText, fc.constantFrom('', ' ', '  '), unitText, fc.constantFrom('', ' ', '\n'))
  .map((parts) => parts.join(''));
const anyValue = fc.oneof(anyString(['k', 'm', 'g', 'b', 'i', '-', '.', ',']), numberText, sizeText);

/** A kernel list such as "0-3,7", with the odd mistake. */
const listText = fc
  .array(
    fc.oneof(
      fc.nat({ max: 70 }).map(String),
      fc.tuple(fc.nat({ max: 70 }), fc.nat({ max: 70 })).map(([a, b]) => `${a}-${b}`),
      fc.constantFrom('', ' ', '-1', '1-', '0-65537', '9007199254740993', '100000000000000000000', '1e3', ' 2 ', '\n3', 'x'),
    ),
    { maxLength: 5 },
  )
  .map((parts) => parts.join(','));
const hostList = fc.uniqueArray(fc.nat({ max: 70 }), { maxLength: 20 }).map((numbers) => formatList(numbers.sort((a, b) => a - b)));

describe('parseBytes / parseMemory / parseMemorySwap (fuzz)', () => {
  it('any text: a whole, safe number of bytes or one INVALID_ARGUMENT line', () => {
    fc.assert(
      fc.property(anyValue, (text) => {
        const bytes = attempt(() => parseBytes(text), kind, [text]);
        if (bytes.ok) {
          expect(Number.isSafeInteger(bytes.value)).toBe(true);
          expect(bytes.value).toBeGreaterThanOrEqual(0);
        }
        const memory = attempt(() => parseMemory(text), kind, [text]);
        expect(memory.ok).toBe(bytes.ok && (bytes.value === 0 || bytes.value >= MIN_MEMORY));
        if (memory.ok) expect(memory.value).toBe(bytes.ok && bytes.value);
      }),
      { numRuns: 300 },
    );
  });

  it('a whole number with a unit is exactly that many bytes, in any letter case', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000 }), fc.constantFrom(...Object.keys(UNITS)), fc.constantFrom('', 'b', 'ib'), fc.boolean(), (n, unit, suffix, upper) => {
        const text = `${n}${unit}${unit && unit !== 'b' ? suffix : ''}`;
        const expected = n * (UNITS[unit] as number);
        const result = attempt(() => parseBytes(upper ? text.toUpperCase() : text), kind, [text]);
        if (Number.isSafeInteger(expected)) expect(result).toEqual({ ok: true, value: expected });
        else expect(result.ok).toBe(false);
      }),
      RUNS,
    );
  });

  it('--memory-swap is -1 or at least --memory, and needs --memory', () => {
    fc.assert(
      fc.property(anyValue, fc.option(fc.oneof(fc.constant(0), fc.nat({ max: 2 ** 40 })), { nil: undefined }), (text, memory) => {
        const swap = attempt(() => parseMemorySwap(text, memory), kind, [text, memory]);
        if (!swap.ok) return;
        if (swap.value === -1) expect(text.trim()).toBe('-1');
        else {
          expect(memory).toBeGreaterThan(0);
          expect(Number.isSafeInteger(swap.value)).toBe(true);
          expect(swap.value).toBeGreaterThanOrEqual(memory as number);
        }
      }),
      RUNS,
    );
  });
});

describe('parseCpus (fuzz)', () => {
  it('any text: quota/period within 0.01..host CPUs, or one INVALID_ARGUMENT line', () => {
    fc.assert(
      fc.property(anyValue, fc.integer({ min: 1, max: 1024 }), (text, host) => {
        const cpus = attempt(() => parseCpus(text, host), kind, [text, host]);
        if (!cpus.ok) return;
        expect(cpus.value.cpuPeriod).toBe(CPU_PERIOD);
        expect(Number.isSafeInteger(cpus.value.cpuQuota)).toBe(true);
        expect(cpus.value.cpuQuota).toBeGreaterThanOrEqual(CPU_PERIOD / 100);
        expect(cpus.value.cpuQuota).toBeLessThanOrEqual(host * CPU_PERIOD);
      }),
      { numRuns: 300 },
    );
  });

  it('quota is the exact decimal value × period (no float error)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 64 }), fc.stringMatching(/^\d{0,5}$/), (whole, fraction) => {
        const text = fraction === '' ? String(whole) : `${whole}.${fraction}`;
        const quota = whole * CPU_PERIOD + Number(fraction.padEnd(5, '0'));
        const cpus = attempt(() => parseCpus(text, 64), kind, [text]);
        expect(cpus.ok).toBe(quota >= 1000 && quota <= 64 * CPU_PERIOD);
        if (cpus.ok) expect(cpus.value).toEqual({ cpuQuota: quota, cpuPeriod: CPU_PERIOD });
      }),
      RUNS,
    );
  });
});

describe('parseCpuShares / parsePidsLimit (fuzz)', () => {
  const input = fc.oneof(anyValue, fc.integer(), fc.double(), fc.constantFrom(-1, 0, 2, 262_144, 262_145, Number.MAX_SAFE_INTEGER + 2));

  it('--cpu-shares: 2..262144, or undefined for 0', () => {
    fc.assert(
      fc.property(input, (value) => {
        const shares = attempt(() => parseCpuShares(value), kind, [value]);
        if (shares.ok && shares.value !== undefined) {
          expect(Number.isInteger(shares.value)).toBe(true);
          expect(shares.value).toBeGreaterThanOrEqual(2);
          expect(shares.value).toBeLessThanOrEqual(262_144);
        }
        if (shares.ok && shares.value === undefined) expect(Number(String(value).trim()) === 0).toBe(true);
      }),
      RUNS,
    );
  });

  it('--pids-limit: a positive safe integer, or -1 for unlimited', () => {
    fc.assert(
      fc.property(input, (value) => {
        const limit = attempt(() => parsePidsLimit(value), kind, [value]);
        if (limit.ok) expect(limit.value === -1 || (Number.isSafeInteger(limit.value) && limit.value > 0)).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('parseList / formatList / parseCpuset (fuzz)', () => {
  it('formatList and parseList round-trip any set of CPU numbers', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat({ max: 300 }), { maxLength: 60 }), (numbers) => {
        const sorted = [...numbers].sort((a, b) => a - b);
        expect(parseList(formatList(sorted))).toEqual(sorted);
      }),
      RUNS,
    );
  });

  it('any list: a canonical subset of the host list, or one INVALID_ARGUMENT line', () => {
    fc.assert(
      fc.property(fc.oneof(listText, anyValue), hostList, fc.constantFrom('cpus', 'mems') as fc.Arbitrary<'cpus' | 'mems'>, (value, available, which) => {
        const set = attempt(() => parseCpuset(value, available, which), kind, [value, available]);
        if (!set.ok) return;
        const members = parseList(set.value);
        expect(members.length).toBeGreaterThan(0);
        const have = new Set(parseList(available));
        for (const n of members) expect(have.has(n)).toBe(true);
        expect(formatList(members)).toBe(set.value);
        expect(members).toEqual(parseList(value));
        expect(parseCpuset(set.value, available, which)).toBe(set.value);
      }),
      { numRuns: 300 },
    );
  });

  // Regression (found by the fuzz suite): numbers past 2^53 made `n++` stand still, so parseList never returned.
  it.each(['9007199254740993', '100000000000000000000', '0-9007199254740993', '9007199254740992-9007199254740993'])(
    'refuses %s instead of hanging',
    (text) => {
      expect(attempt(() => parseCpuset(text, '0-3'), kind, [text]).ok).toBe(false);
    },
  );
});

// Regression (found by the fuzz suite): input was echoed raw, so a newline or ESC in a flag split or forged lines.
it.each(['1\n2', '\x1b[2J', '0-1\n,x'])('echoes %j quoted in every message', (text) => {
  const runs: (() => unknown)[] = [() => parseMemory(text), () => parseMemorySwap(text, 1), () => parseCpus(text, 2), () => parseCpuShares(text), () => parsePidsLimit(text), () => parseCpuset(text, '0-1')];
  for (const run of runs) {
    const outcome = attempt(run, kind, [text]);
    expect(outcome.ok || outcome.error.message.includes(JSON.stringify(text))).toBe(true);
  }
});

describe('resourcesFromFlags (fuzz)', () => {
  const flag = fc.option(fc.oneof(sizeText, fc.constantFrom('0', '-1', '', '32m', '1g', '0.5', '2', '512', '0-1', '20')), { nil: undefined });
  const flags = fc.record({
    memory: flag,
    memorySwap: flag,
    cpus: flag,
    cpuShares: flag,
    cpusetCpus: fc.option(listText, { nil: undefined }),
    cpusetMems: fc.option(listText, { nil: undefined }),
    pidsLimit: flag,
  });
  const host = fc.record({ cpuCount: fc.integer({ min: 1, max: 64 }), onlineCpus: hostList, memoryNodes: hostList });

  it('either Resources the managers can apply as they are, or one INVALID_ARGUMENT line', () => {
    fc.assert(
      fc.property(flags, host, (given, machine) => {
        const result = attempt(() => resourcesFromFlags(given, machine), kind, [...Object.values(given), ...Object.values(machine)]);
        if (!result.ok) return;
        const resources = result.value;
        if (resources.memory !== undefined) {
          expect(resources.memory).toBeGreaterThanOrEqual(MIN_MEMORY);
          expect(resources.memorySwap === -1 || (resources.memorySwap ?? 0) >= resources.memory).toBe(true);
        } else if (resources.memorySwap !== undefined) {
          expect(resources.memorySwap).toBe(-1);
        }
        expect(resources.cpuQuota === undefined).toBe(resources.cpuPeriod === undefined);
        if (resources.cpuQuota !== undefined) expect(resources.cpuQuota).toBeLessThanOrEqual(machine.cpuCount * (resources.cpuPeriod as number));
        const online = new Set(parseList(machine.onlineCpus));
        const nodes = new Set(parseList(machine.memoryNodes));
        for (const n of parseList(resources.cpusetCpus ?? '')) expect(online.has(n)).toBe(true);
        for (const n of parseList(resources.cpusetMems ?? '')) expect(nodes.has(n)).toBe(true);
      }),
      RUNS,
    );
  });
});
