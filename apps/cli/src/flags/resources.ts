/**
 * The resource flags (`-m/--memory`, `--memory-swap`, `--cpus`, `--cpu-shares`, `--cpuset-cpus`, `--cpuset-mems`,
 * `--pids-limit`) into @skiff/cgroups' `Resources`, as docker parses and checks them. Each parser throws an
 * INVALID_ARGUMENT with a one-line message naming the flag.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Resources } from '@skiff/cgroups';
import { invalidArgument as invalid } from '@skiff/plugin/errors';

/** Echo user input JSON-quoted, so a newline or escape sequence in it cannot break the one-line message. */
const quote = (value: unknown) => JSON.stringify(String(value));

/** Docker's floor for --memory (moby linuxMinMemory). */
export const MIN_MEMORY = 6 * 1024 * 1024;
/** The CFS period docker uses with --cpus. */
export const CPU_PERIOD = 100_000;

const units: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/**
 * A size with an optional binary unit, as docker's units.RAMInBytes: "512", "32m", "1.5g", "64MiB", "2 GB",
 * "100b"; case-insensitive; fractions of a byte are dropped.
 */
export function parseBytes(value: string, flag = '--memory'): number {
  const match = /^(\d+(?:\.\d*)?|\.\d+) ?(?:([kmgtp])(?:b|ib)?|b)?$/i.exec(value.trim());
  if (!match) throw invalid(`invalid ${flag} size ${quote(value)}: expected a number with an optional unit b, k, m, g (e.g. 512m)`);
  const multiplier = match[2] ? (units[match[2].toLowerCase()] as number) : 1;
  const bytes = Math.trunc(Number(match[1]) * multiplier);
  if (!Number.isSafeInteger(bytes)) throw invalid(`invalid ${flag} size ${quote(value)}: too large`);
  return bytes;
}

/** --memory: bytes; 0 means no limit (as docker); otherwise at least 6 MiB. */
export function parseMemory(value: string): number {
  const bytes = parseBytes(value, '--memory');
  if (bytes > 0 && bytes < MIN_MEMORY) throw invalid(`invalid --memory ${quote(value)}: Minimum memory limit allowed is 6MB`);
  return bytes;
}

/**
 * --memory-swap: the TOTAL of memory and swap, so it must be at least --memory; "-1" for unlimited swap.
 * Equal to --memory means no swap. Needs --memory unless it is -1.
 */
export function parseMemorySwap(value: string, memory: number | undefined): number {
  if (value.trim() === '-1') return -1;
  const bytes = parseBytes(value, '--memory-swap');
  if (memory === undefined || memory <= 0) {
    throw invalid('--memory-swap needs --memory: it limits memory plus swap together');
  }
  if (bytes < memory) {
    throw invalid(`invalid --memory-swap ${quote(value)}: it is memory plus swap, so it must be at least --memory (${memory} bytes)`);
  }
  return bytes;
}

/** The number of CPUs this process may run on (what docker's runtime.NumCPU counts). */
export function hostCpuCount(): number {
  return availableParallelism();
}

/**
 * --cpus: a decimal number of CPUs, 0.01 up to the host's count, at most 9 decimals (docker's NanoCPUs).
 * Returns the CFS quota and period it stands for: quota = cpus × 100000 µs per 100000 µs.
 */
export function parseCpus(value: string, hostCpus = hostCpuCount()): { cpuQuota: number; cpuPeriod: number } {
  const match = /^(\d*)(?:\.(\d*))?$/.exec(value.trim());
  if (!match || (match[1] === '' && !match[2])) throw invalid(`invalid --cpus ${quote(value)}: expected a number such as 0.5 or 2`);
  const fraction = match[2] ?? '';
  if (fraction.replace(/0+$/, '').length > 9) throw invalid(`invalid --cpus ${quote(value)}: value is too precise`);
  // Exact decimal arithmetic in nano-CPUs, as docker does, so "0.3" becomes exactly 30000 µs.
  const nano = BigInt(match[1] || '0') * 1_000_000_000n + BigInt((fraction + '000000000').slice(0, 9));
  if (nano === 0n) throw invalid(`invalid --cpus ${quote(value)}: must be greater than 0`);
  if (nano < 10_000_000n || nano > BigInt(hostCpus) * 1_000_000_000n) {
    throw invalid(
      `invalid --cpus ${quote(value)}: range of CPUs is from 0.01 to ${hostCpus}.00, as there are only ${hostCpus} CPUs available`,
    );
  }
  return { cpuQuota: Number((nano * BigInt(CPU_PERIOD)) / 1_000_000_000n), cpuPeriod: CPU_PERIOD };
}

const integerPattern = /^-?\d+$/;

/** --cpu-shares: relative weight 2..262144 (1024 is the default); 0 means the default (returns undefined). */
export function parseCpuShares(value: string | number): number | undefined {
  const text = String(value).trim();
  const shares = Number(text);
  if (!integerPattern.test(text) || shares < 0) throw invalid(`invalid --cpu-shares ${quote(value)}: expected a whole number`);
  if (shares === 0) return undefined;
  if (shares < 2 || shares > 262_144) {
    throw invalid(`invalid --cpu-shares ${quote(value)}: must be between 2 and 262144 (1024 is the default)`);
  }
  return shares;
}

/** --pids-limit: a positive whole number, or -1 / 0 for unlimited (returns -1), as docker. */
export function parsePidsLimit(value: string | number): number {
  const text = String(value).trim();
  const limit = Number(text);
  if (!integerPattern.test(text) || limit < -1 || !Number.isSafeInteger(limit)) {
    throw invalid(`invalid --pids-limit ${quote(value)}: expected a positive whole number, or -1 for unlimited`);
  }
  return limit <= 0 ? -1 : limit;
}

/** Parse a kernel list ("0-1,3") into ascending unique numbers. Throws on bad syntax. */
export function parseList(list: string, flag = '--cpuset-cpus'): number[] {
  const numbers = new Set<number>();
  const text = list.trim();
  if (text === '') return [];
  for (const part of text.split(',')) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!match) throw invalid(`invalid ${flag} ${quote(list)}: expected a list such as 0-2,4`);
    const start = Number(match[1]);
    const end = match[2] === undefined ? start : Number(match[2]);
    // Past 2^53 `n++` below no longer changes n, and the loop would never end.
    if (!Number.isSafeInteger(end)) throw invalid(`invalid ${flag} ${quote(list)}: ${part.trim()} is too large`);
    if (end < start) throw invalid(`invalid ${flag} ${quote(list)}: range ${part.trim()} runs backwards`);
    if (end - start > 65_536) throw invalid(`invalid ${flag} ${quote(list)}: range ${part.trim()} is too large`);
    for (let n = start; n <= end; n++) numbers.add(n);
  }
  return [...numbers].sort((a, b) => a - b);
}

/** Format ascending numbers as a kernel list, collapsing runs: [0,1,2,4] → "0-2,4". */
export function formatList(numbers: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < numbers.length; ) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === (numbers[j] as number) + 1) j++;
    parts.push(i === j ? `${numbers[i]}` : `${numbers[i]}-${numbers[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/**
 * --cpuset-cpus / --cpuset-mems: a list, every member of which the host has (`available`, a list as in
 * /sys/devices/system/cpu/online). Returns the list in canonical form.
 */
export function parseCpuset(value: string, available: string, kind: 'cpus' | 'mems' = 'cpus'): string {
  const flag = kind === 'cpus' ? '--cpuset-cpus' : '--cpuset-mems';
  const wanted = parseList(value, flag);
  if (wanted.length === 0) throw invalid(`invalid ${flag} ${quote(value)}: empty list`);
  const hostList = parseList(available, flag);
  const have = new Set(hostList);
  const missing = wanted.filter((n) => !have.has(n));
  if (missing.length > 0) {
    const what = kind === 'cpus' ? 'cpuset' : 'memory node';
    const hostHas = kind === 'cpus' ? 'CPUs' : 'memory nodes';
    throw invalid(
      `${what} ${formatList(missing)} ${missing.length === 1 ? 'is' : 'are'} not available; this host has ${hostHas} ${formatList(hostList) || 'none'}`,
    );
  }
  return formatList(wanted);
}

/** The host's online CPUs, from /sys/devices/system/cpu/online ("0-1"). */
export function hostOnlineCpus(): string {
  return readFileSync('/sys/devices/system/cpu/online', 'utf8').trim();
}

/** The host's online memory nodes, from /sys/devices/system/node/online; "0" on kernels without NUMA. */
export function hostMemoryNodes(): string {
  try {
    return readFileSync('/sys/devices/system/node/online', 'utf8').trim();
  } catch {
    return '0';
  }
}

/**
 * --cpu-period / --cpu-quota, in µs, as docker checks them: a period of 1000..1000000, a quota of at least 1000
 * (-1 or 0: none). 0 leaves a value alone.
 */
export function parseCfs(flags: { cpuPeriod?: string; cpuQuota?: string }): { cpuPeriod?: number; cpuQuota?: number } {
  const number = (value: string, flag: string) => {
    const text = value.trim();
    if (!integerPattern.test(text) || !Number.isSafeInteger(Number(text))) throw invalid(`invalid ${flag} ${quote(value)}: expected a whole number of microseconds`);
    return Number(text);
  };
  const result: { cpuPeriod?: number; cpuQuota?: number } = {};
  if (flags.cpuPeriod !== undefined && flags.cpuPeriod.trim() !== '') {
    const period = number(flags.cpuPeriod, '--cpu-period');
    if (period !== 0 && (period < 1000 || period > 1_000_000)) {
      throw invalid(`invalid --cpu-period ${quote(flags.cpuPeriod)}: CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)`);
    }
    if (period !== 0) result.cpuPeriod = period;
  }
  if (flags.cpuQuota !== undefined && flags.cpuQuota.trim() !== '') {
    const quota = number(flags.cpuQuota, '--cpu-quota');
    if (quota > 0 && quota < 1000) throw invalid(`invalid --cpu-quota ${quote(flags.cpuQuota)}: CPU cfs quota can not be less than 1ms (i.e. 1000)`);
    if (quota < -1) throw invalid(`invalid --cpu-quota ${quote(flags.cpuQuota)}: expected at least 1000, or -1 for no quota`);
    if (quota !== 0) result.cpuQuota = quota;
  }
  return result;
}

/** --cpu-rt-period / --cpu-rt-runtime in µs: the runtime at most the period (docker's default period: 1s). */
export function parseRt(flags: { cpuRtPeriod?: string; cpuRtRuntime?: string }): { cpuRtPeriod?: number; cpuRtRuntime?: number } {
  const result: { cpuRtPeriod?: number; cpuRtRuntime?: number } = {};
  for (const [key, flag, value] of [['cpuRtPeriod', '--cpu-rt-period', flags.cpuRtPeriod], ['cpuRtRuntime', '--cpu-rt-runtime', flags.cpuRtRuntime]] as const) {
    if (value === undefined || value.trim() === '') continue;
    const number = Number(value.trim());
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number)) throw invalid(`invalid ${flag} ${quote(value)}: expected a whole number of microseconds`);
    if (number > 0) result[key] = number;
  }
  if (result.cpuRtPeriod !== undefined && result.cpuRtPeriod > 1_000_000) throw invalid(`invalid --cpu-rt-period ${quote(flags.cpuRtPeriod)}: at most 1000000 (1s)`);
  if (result.cpuRtRuntime !== undefined && result.cpuRtRuntime > (result.cpuRtPeriod ?? 1_000_000)) {
    throw invalid(`invalid --cpu-rt-runtime ${quote(flags.cpuRtRuntime)}: cannot be higher than the real-time period (${result.cpuRtPeriod ?? 1_000_000} µs)`);
  }
  return result;
}

/** The flags as the CLI received them; empty strings count as absent. */
export interface ResourceFlags {
  memory?: string;
  memorySwap?: string;
  cpus?: string;
  cpuShares?: string | number;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: string | number;
  cpuPeriod?: string;
  cpuQuota?: string;
  memoryReservation?: string;
  memorySwappiness?: string;
  cpuRtPeriod?: string;
  cpuRtRuntime?: string;
}

/** What validation compares against; read from the host when omitted. */
export interface HostResources {
  cpuCount?: number;
  onlineCpus?: string;
  memoryNodes?: string;
}

/**
 * Validate docker-style flags and turn them into Resources. When --memory is given without --memory-swap,
 * swap is limited to nothing (memorySwap = memory) so that the memory limit really holds.
 */
export function resourcesFromFlags(flags: ResourceFlags, host: HostResources = {}): Resources {
  const given = (value: string | number | undefined): value is string | number => value !== undefined && String(value).trim() !== '';
  const resources: Resources = {};
  let memory: number | undefined;
  if (given(flags.memory)) {
    memory = parseMemory(String(flags.memory));
    if (memory > 0) resources.memory = memory;
    else memory = undefined;
  }
  if (given(flags.memorySwap) && String(flags.memorySwap).trim() !== '0') {
    resources.memorySwap = parseMemorySwap(String(flags.memorySwap), memory);
  } else if (memory !== undefined) {
    resources.memorySwap = memory;
  }
  if (given(flags.cpus)) {
    for (const [flag, value] of [['Period', flags.cpuPeriod], ['Quota', flags.cpuQuota]] as const) {
      if (given(value) && Number(value) !== 0) throw invalid(`Conflicting options: Nano CPUs and CPU ${flag} cannot both be set`);
    }
    Object.assign(resources, parseCpus(String(flags.cpus), host.cpuCount ?? hostCpuCount()));
  }
  Object.assign(resources, parseCfs(flags), parseRt(flags));
  if (given(flags.memoryReservation)) {
    const reservation = parseBytes(String(flags.memoryReservation), '--memory-reservation');
    if (reservation > 0 && reservation < MIN_MEMORY) throw invalid(`invalid --memory-reservation ${quote(flags.memoryReservation)}: Minimum memory reservation allowed is 6MB`);
    if (memory !== undefined && reservation > memory) {
      throw invalid('Minimum memory limit can not be less than memory reservation limit, see usage: --memory must be at least --memory-reservation');
    }
    if (reservation > 0) resources.memoryReservation = reservation;
  }
  if (given(flags.memorySwappiness)) {
    const text = String(flags.memorySwappiness).trim();
    const value = Number(text);
    if (!integerPattern.test(text) || value < -1 || value > 100) {
      throw invalid(`Invalid value: ${quote(flags.memorySwappiness)}, valid memory swappiness range is 0-100`);
    }
    if (value >= 0) resources.memorySwappiness = value;
  }
  if (given(flags.cpuShares)) {
    const shares = parseCpuShares(flags.cpuShares);
    if (shares !== undefined) resources.cpuShares = shares;
  }
  if (given(flags.cpusetCpus)) resources.cpusetCpus = parseCpuset(String(flags.cpusetCpus), host.onlineCpus ?? hostOnlineCpus(), 'cpus');
  if (given(flags.cpusetMems)) resources.cpusetMems = parseCpuset(String(flags.cpusetMems), host.memoryNodes ?? hostMemoryNodes(), 'mems');
  if (given(flags.pidsLimit)) resources.pidsLimit = parsePidsLimit(flags.pidsLimit);
  return resources;
}
