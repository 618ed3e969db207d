/**
 * The container endpoints beyond the life cycle: pause/unpause, rename, update, changes (docker diff), export,
 * top, stats. Each maps onto one library call (the same the `skiff` command makes).
 */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ContainerInspect, Skiff, StatsSample } from 'skiff';
import type { DockerApiBackend } from '../backend.js';
import { badRequest, conflict } from '../errors.js';
import type { Router } from '../router.js';
import { flag, lookup } from './containers.js';

type Json = Record<string, unknown>;
type Resources = Parameters<Skiff['update']>[1];

/** docker diff's kinds: 0 modified, 1 added, 2 deleted. */
const CHANGE_KIND = { C: 0, A: 1, D: 2 } as const;

/** Between the two readings a one-shot's CPU % is measured over; a stream reads every second. */
const SAMPLE_MS = 500;
const STREAM_MS = 1000;

/** The body of POST /containers/{id}/update as the library's Resources; other fields are a 400. */
export function updateResources(body: Json): { resources: Resources; restart?: string } {
  const resources: Resources = {};
  const number = (field: string, allowMinusOne = false): number | undefined => {
    const value = body[field];
    if (value === undefined || value === null || value === 0) return undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || (value < 0 && !(allowMinusOne && value === -1))) throw badRequest(`${field} must be a whole number`);
    return value;
  };
  const text = (field: string): string | undefined => {
    const value = body[field];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw badRequest(`${field} must be a string`);
    return value;
  };
  const set = <K extends keyof Resources>(key: K, value: Resources[K] | undefined) => {
    if (value !== undefined) resources[key] = value;
  };
  set('memory', number('Memory'));
  set('memorySwap', number('MemorySwap', true));
  set('cpuShares', number('CpuShares'));
  set('cpuQuota', number('CpuQuota', true));
  set('cpuPeriod', number('CpuPeriod'));
  set('cpusetCpus', text('CpusetCpus'));
  set('cpusetMems', text('CpusetMems'));
  set('pidsLimit', number('PidsLimit', true));
  const nano = number('NanoCpus');
  if (nano !== undefined) {
    resources.cpuPeriod = 100_000;
    resources.cpuQuota = Math.round((nano / 1e9) * 100_000);
  }
  const mapped = ['Memory', 'MemorySwap', 'CpuShares', 'CpuQuota', 'CpuPeriod', 'CpusetCpus', 'CpusetMems', 'PidsLimit', 'NanoCpus', 'RestartPolicy'];
  for (const [key, value] of Object.entries(body)) {
    const zero = value === null || value === 0 || value === '' || value === false || (Array.isArray(value) && value.length === 0);
    if (!mapped.includes(key) && !zero) throw badRequest(`${key} cannot be updated by skiff`);
  }
  const policy = body.RestartPolicy as Json | undefined;
  const restart = policy && typeof policy.Name === 'string' && policy.Name !== '' ? policy.Name : undefined;
  return { resources, ...(restart ? { restart } : {}) };
}

/** Per-interface byte and packet counts of the container's network namespace (its init's /proc/PID/net/dev), loopback left out. */
export function networkCounters(pid: number): Record<string, { rx_bytes: number; rx_packets: number; tx_bytes: number; tx_packets: number }> | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/net/dev`, 'utf8');
  } catch {
    return undefined;
  }
  const counters: Record<string, { rx_bytes: number; rx_packets: number; tx_bytes: number; tx_packets: number }> = {};
  for (const line of text.split('\n').slice(2)) {
    const found = /^\s*([^:\s]+):\s*(.*)$/.exec(line);
    if (!found || found[1] === 'lo') continue;
    const fields = found[2]!.trim().split(/\s+/).map(Number);
    counters[found[1]!] = { rx_bytes: fields[0] ?? 0, rx_packets: fields[1] ?? 0, tx_bytes: fields[8] ?? 0, tx_packets: fields[9] ?? 0 };
  }
  return counters;
}

/** docker's stats JSON for one reading, with the reading before it as `precpu_stats`. */
export function statsBody(container: ContainerInspect, sample: StatsSample, before: StatsSample | undefined) {
  const online = cpus().length;
  // docker's system_cpu_usage is the host's CPU time: wall time × CPUs is that time's measure.
  const cpu = (reading: StatsSample | undefined) =>
    reading
      ? { cpu_usage: { total_usage: reading.cpuNs ?? 0, usage_in_kernelmode: 0, usage_in_usermode: 0 }, system_cpu_usage: Number(reading.readAt) * online, online_cpus: online, throttling_data: {} }
      : { cpu_usage: { total_usage: 0 }, throttling_data: {} };
  const zero = '0001-01-01T00:00:00Z';
  const wall = (reading: StatsSample | undefined) => (reading ? new Date(Date.now() - Number((process.hrtime.bigint() - reading.readAt) / 1_000_000n)).toISOString() : zero);
  return {
    read: wall(sample),
    preread: wall(before),
    name: container.Name,
    id: container.Id,
    pids_stats: { current: sample.pids },
    blkio_stats: {
      io_service_bytes_recursive: [
        { major: 0, minor: 0, op: 'read', value: sample.blockRead },
        { major: 0, minor: 0, op: 'write', value: sample.blockWrite },
      ],
    },
    cpu_stats: cpu(sample),
    precpu_stats: cpu(before),
    memory_stats: { usage: sample.memoryUsage, limit: sample.memoryLimit ?? totalmem(), stats: {} },
    ...(sample.pids > 0 && container.State.Pid > 0 ? { networks: networkCounters(container.State.Pid) } : {}),
  };
}

export function containerOpRoutes(router: Router, backend: DockerApiBackend): void {
  const { skiff } = backend;

  for (const [verb, paused] of [
    ['pause', true],
    ['unpause', false],
  ] as const) {
    router.add('POST', `/containers/:id/${verb}`, async (exchange) => {
      const container = await lookup(backend, exchange.params.id!);
      if (!container.State.Running) throw conflict(`Container ${container.Id} is not running`);
      if (paused) await skiff.pause(container.Id);
      else await skiff.unpause(container.Id);
      exchange.send(204);
    });
  }

  router.add('POST', '/containers/:id/rename', async (exchange) => {
    const container = await lookup(backend, exchange.params.id!);
    const name = (exchange.query.get('name') ?? '').replace(/^\//, '');
    if (!name) throw badRequest('name is required');
    await skiff.rename(container.Id, name);
    exchange.send(204);
  });

  router.add('POST', '/containers/:id/update', async (exchange) => {
    const container = await lookup(backend, exchange.params.id!);
    const { resources, restart } = updateResources(await exchange.json());
    if (restart !== undefined && restart !== container.HostConfig.RestartPolicy.Name) throw badRequest('RestartPolicy cannot be updated by skiff (recreate the container with --restart)');
    const warnings = await skiff.update(container.Id, resources);
    exchange.send(200, { Warnings: warnings });
  });

  router.add('GET', '/containers/:id/changes', async (exchange) => {
    const container = await lookup(backend, exchange.params.id!);
    const changes = await skiff.changes(container.Id);
    exchange.send(200, changes.map((change) => ({ Path: change.path, Kind: CHANGE_KIND[change.kind] })));
  });

  router.add('GET', '/containers/:id/export', async (exchange) => {
    const container = await lookup(backend, exchange.params.id!);
    const out = exchange.stream(200, 'application/x-tar');
    await skiff.export(container.Id, out);
    out.end();
  });

  router.add('GET', '/containers/:id/top', async (exchange) => {
    const container = await lookup(backend, exchange.params.id!);
    if (!container.State.Running) throw conflict(`container ${container.Id} is not running`);
    const psArgs = (exchange.query.get('ps_args') ?? '').split(/\s+/).filter(Boolean);
    const { titles, processes } = await skiff.top(container.Id, psArgs);
    exchange.send(200, { Titles: titles, Processes: processes });
  });

  router.add('GET', '/containers/:id/stats', async (exchange) => {
    const container = await lookup(backend, exchange.params.id!);
    const stream = exchange.query.get('stream') === null || flag(exchange, 'stream');
    const oneShot = flag(exchange, 'one-shot');
    const read = () => skiff.stats(container.Id).catch((): StatsSample | undefined => undefined);
    let before = await read();
    if (!stream) {
      if (!oneShot) await sleep(SAMPLE_MS);
      const sample = oneShot ? before : await read();
      return exchange.send(200, sample ? statsBody(container, sample, oneShot ? undefined : before) : {});
    }
    const out = exchange.stream(200, 'application/json');
    const signal = exchange.closed;
    while (!signal.aborted) {
      await sleep(before ? STREAM_MS : 0, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) break;
      const sample = await read();
      if (!sample) break;
      out.write(`${JSON.stringify(statsBody(container, sample, before))}\n`);
      before = sample;
    }
    out.end();
  });
}
