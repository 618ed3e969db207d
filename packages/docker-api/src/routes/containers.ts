import { setTimeout as sleep } from 'node:timers/promises';
import { finished } from 'node:stream/promises';
import { parseSignal } from '@skiff/core';
import { SkiffError, type ContainerInspect } from 'skiff';
import type { DockerApiBackend } from '../backend.js';
import { badRequest, conflict, notFound } from '../errors.js';
import type { Exchange } from '../exchange.js';
import { fanOut, frame, type Sink } from '../frames.js';
import { parseFilters } from '../filters.js';
import type { Router } from '../router.js';
import type { PendingAttach, State } from '../state.js';
import { parseCreateBody, toCreateOptions } from './create-body.js';
import { containerSummary, inspectContainer, listFilters } from './container-views.js';

/** docker's query booleans: 1/true/True. */
export const flag = (exchange: Exchange, name: string) => /^(1|true)$/i.test(exchange.query.get(name) ?? '');

/** A whole number from the query, or `fallback` when absent. */
export function integer(exchange: Exchange, name: string, fallback?: number): number | undefined {
  const text = exchange.query.get(name);
  if (text === null || text === '') return fallback;
  if (!/^-?\d+$/.test(text)) throw badRequest(`invalid value for ${name}: ${JSON.stringify(text)}`);
  return Number(text);
}

/** The container's inspect, with docker's 404 wording for a missing one. */
export async function lookup(backend: DockerApiBackend, reference: string): Promise<ContainerInspect> {
  try {
    return await backend.skiff.inspect(reference);
  } catch (error) {
    if (SkiffError.is(error, 'NOT_FOUND')) throw notFound(`No such container: ${reference}`);
    throw error;
  }
}

export function containerRoutes(router: Router, backend: DockerApiBackend, state: State): void {
  const { skiff } = backend;

  router.add('POST', '/containers/create', async (exchange) => {
    const request = parseCreateBody(await exchange.json(), exchange.query.get('name') ?? undefined);
    const options = toCreateOptions(request, backend.createOptions);
    if (!backend.isDefaultImage(request.image)) {
      await backend.images.get(request.image).catch((error: unknown) => {
        // 404 makes the docker CLI pull and try again.
        if (SkiffError.is(error, 'NOT_FOUND')) throw notFound(`No such image: ${request.image}`);
        throw error;
      });
    }
    const { id } = await skiff.create(options);
    exchange.send(201, { Id: id, Warnings: request.warnings });
  });

  router.add('GET', '/containers/json', async (exchange) => {
    const matches = listFilters(exchange.query.get('filters'), flag(exchange, 'all'));
    const limit = integer(exchange, 'limit', -1)!;
    const views = [];
    for (const summary of await skiff.list()) {
      const inspect = await skiff.inspect(summary.id).catch(() => undefined);
      if (inspect && matches(inspect)) views.push(containerSummary(inspect));
    }
    exchange.send(200, limit > 0 ? views.slice(0, limit) : views);
  });

  router.add('GET', '/containers/:id/json', async (exchange) => {
    exchange.send(200, inspectContainer(await lookup(backend, exchange.params.id!)));
  });

  router.add('POST', '/containers/:id/start', async (exchange) => {
    const container = await lookup(backend, exchange.params.id!);
    if (container.State.Running) return exchange.send(304);
    await start(container);
    exchange.send(204);
  });

  /** Starts attached when clients wait on it (their streams are the container's), else in the background. */
  async function start(container: ContainerInspect): Promise<void> {
    const waiting = state.takePending(container.Id);
    if (waiting.length === 0) {
      await skiff.start(container.Id);
      return;
    }
    let run;
    try {
      run = await skiff.attachStart(container.Id);
    } catch (error) {
      for (const attach of waiting) attach.stream.end();
      throw error;
    }
    const tty = container.Config.Tty;
    const sinks = new Set<Sink>(waiting);
    state.owned.set(container.Id, { attachment: run, tty, sinks });
    state.onChange();
    state.exits.set(container.Id, run.exit);
    for (const attach of waiting) connectStdin(attach, run.stdin);
    const output = fanOut(run.stdout, run.stderr, tty, sinks);
    void Promise.all([output, run.exit.catch(() => undefined)]).then(() => {
      state.owned.delete(container.Id);
      state.onChange();
      for (const sink of sinks) sink.stream.end();
    });
  }

  router.add('POST', '/containers/:id/attach', async (exchange) => {
    const container = await lookup(backend, exchange.params.id!);
    const wants = { stdin: flag(exchange, 'stdin'), stdout: flag(exchange, 'stdout'), stderr: flag(exchange, 'stderr') };
    if (!flag(exchange, 'stream') && !flag(exchange, 'logs')) throw badRequest('attach needs stream=1 or logs=1');
    const owned = state.owned.get(container.Id);
    const stream = exchange.hijack();
    stream.on('error', () => {});
    const attach: PendingAttach = { stream, ...wants };
    if (owned) {
      owned.sinks.add(attach);
      connectStdin(attach, owned.attachment.stdin);
      stream.once('close', () => owned.sinks.delete(attach));
    } else if (container.State.Running) {
      // Started in the background: its output is in its log; follow that from now on (stdin cannot reach it).
      stream.resume();
      await copyLogs(container, stream, { follow: true, tail: 0, wants, signal: exchange.closed });
      stream.end();
    } else {
      const waiting = state.pending.get(container.Id) ?? new Set();
      state.pending.set(container.Id, waiting.add(attach));
      stream.once('close', () => waiting.delete(attach));
    }
    await finished(stream).catch(() => undefined);
  });

  router.add('POST', '/containers/:id/wait', async (exchange) => {
    const container = await lookup(backend, exchange.params.id!);
    const condition = exchange.query.get('condition') || 'not-running';
    if (!['not-running', 'next-exit', 'removed'].includes(condition)) throw badRequest(`invalid condition: ${JSON.stringify(condition)}`);
    // The docker CLI waits for these headers before it starts the container.
    const out = exchange.stream(200, 'application/json');
    const before = state.exits.get(container.Id);
    const signal = exchange.closed;
    const nextExit = condition === 'next-exit' || (condition === 'removed' && (container.State.Running || container.State.Status === 'created'));
    let code = await skiff.wait(container.Id, { condition: nextExit ? 'next-exit' : 'not-running', signal }).catch((error: unknown) => {
      if (signal.aborted) return -1;
      throw error;
    });
    if (signal.aborted) return;
    const attached = state.exits.get(container.Id);
    let error: { Message: string } | null = null;
    if (attached && attached !== before) {
      // An attached start's exit settles after its teardown, `--rm`'s removal included: no polling needed.
      code = await attached;
      if (condition === 'removed' && container.HostConfig.AutoRemove && (await exists(container.Id))) error = { Message: `container ${container.Id} was not removed` };
    } else if (condition === 'removed') while (!signal.aborted && (await exists(container.Id))) await sleep(100);
    out.end(`${JSON.stringify({ StatusCode: code, Error: error })}\n`);
  });

  const exists = (id: string) => skiff.inspect(id).then(
    () => true,
    () => false,
  );

  router.add('POST', '/containers/:id/resize', async (exchange) => {
    const container = await lookup(backend, exchange.params.id!);
    const rows = integer(exchange, 'h', 0)!;
    const cols = integer(exchange, 'w', 0)!;
    state.owned.get(container.Id)?.attachment.resize(cols, rows);
    exchange.send(200);
  });

  router.add('POST', '/containers/:id/stop', async (exchange) => {
    const container = await lookup(backend, exchange.params.id!);
    if (!container.State.Running) return exchange.send(304);
    await skiff.stop(container.Id, { timeout: integer(exchange, 't', 10) });
    exchange.send(204);
  });

  router.add('POST', '/containers/:id/restart', async (exchange) => {
    const container = await lookup(backend, exchange.params.id!);
    if (container.State.Running) await skiff.stop(container.Id, { timeout: integer(exchange, 't', 10) });
    await skiff.start(container.Id);
    exchange.send(204);
  });

  router.add('POST', '/containers/:id/kill', async (exchange) => {
    const container = await lookup(backend, exchange.params.id!);
    const signal = parseSignal(exchange.query.get('signal') || 'SIGKILL');
    if (!container.State.Running) throw conflict(`Cannot kill container: ${exchange.params.id}: container ${container.Id} is not running`);
    await skiff.kill(container.Id, signal);
    exchange.send(204);
  });

  router.add('DELETE', '/containers/:id', async (exchange) => {
    const container = await lookup(backend, exchange.params.id!);
    if (container.State.Running && !flag(exchange, 'force')) {
      throw conflict(`cannot remove container "${container.Name}": container is running: stop the container before removing or force remove`);
    }
    await skiff.remove(container.Id, { force: flag(exchange, 'force'), volumes: flag(exchange, 'v') });
    exchange.send(204);
  });

  router.add('GET', '/containers/:id/logs', async (exchange) => {
    const container = await lookup(backend, exchange.params.id!);
    const wants = { stdout: flag(exchange, 'stdout'), stderr: flag(exchange, 'stderr') };
    if (!wants.stdout && !wants.stderr) throw badRequest('you must choose at least one stream');
    const tailText = exchange.query.get('tail') ?? 'all';
    const tail = tailText === 'all' || tailText === '' ? undefined : integer(exchange, 'tail');
    const out = exchange.stream(200, container.Config.Tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream');
    await copyLogs(container, out, {
      follow: flag(exchange, 'follow'),
      tail: tail !== undefined && tail < 0 ? undefined : tail,
      wants,
      timestamps: flag(exchange, 'timestamps'),
      since: seconds(exchange.query.get('since')),
      until: seconds(exchange.query.get('until')),
      signal: exchange.closed,
    });
    out.end();
  });

  router.add('POST', '/containers/prune', async (exchange) => {
    const values = parseFilters(exchange.query.get('filters'), ['until', 'label', 'label!']);
    const words = (['until', 'label', 'label!'] as const).flatMap((key) => (values(key) ?? []).map((value) => `${key}=${value}`));
    const report = await backend.pruneContainers(words);
    exchange.send(200, { ContainersDeleted: report.removed, SpaceReclaimed: report.reclaimed });
  });

  /** The container's log lines to `out`, framed unless it has a tty. */
  async function copyLogs(
    container: ContainerInspect,
    out: NodeJS.WritableStream,
    options: { follow: boolean; tail?: number; wants: { stdout: boolean; stderr: boolean }; timestamps?: boolean; since?: bigint; until?: bigint; signal: AbortSignal },
  ): Promise<void> {
    const tty = container.Config.Tty;
    try {
      for await (const line of skiff.logs(container.Id, { follow: options.follow, tail: options.tail, signal: options.signal })) {
        if (!options.wants[line.stream]) continue;
        if (options.since !== undefined && line.timeNs < options.since) continue;
        if (options.until !== undefined && line.timeNs > options.until) continue;
        const data = options.timestamps ? Buffer.concat([Buffer.from(`${timestamp(line.timeNs)} `), line.data]) : line.data;
        if (!out.write(tty ? data : frame(line.stream === 'stdout' ? 1 : 2, data))) await new Promise((resolve) => out.once('drain', resolve));
      }
    } catch (error) {
      if (!options.signal.aborted) throw error;
    }
  }
}

/** Client stdin to the container's: bytes as they come, EOF passed on (docker's StdinOnce: one attach's stdin). */
function connectStdin(attach: PendingAttach, stdin: NodeJS.WritableStream): void {
  if (!attach.stdin) {
    attach.stream.resume();
    return;
  }
  attach.stream.on('data', (chunk: Buffer) => stdin.write(chunk));
  attach.stream.once('end', () => stdin.end());
  attach.stream.once('close', () => stdin.end());
  // A socket paused explicitly (reading a request body off it does) stays paused when a 'data' listener comes.
  attach.stream.resume();
}

/** docker's since/until: unix seconds, with an optional fraction; as nanoseconds. */
export function seconds(text: string | null): bigint | undefined {
  if (text === null || text === '' || text === '0') return undefined;
  const found = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text);
  if (!found) throw badRequest(`invalid time ${JSON.stringify(text)}: expected unix seconds`);
  return BigInt(found[1]!) * 1_000_000_000n + BigInt((found[2] ?? '').padEnd(9, '0') || '0');
}

/** RFC 3339 with nanoseconds, as docker's log timestamps. */
function timestamp(timeNs: bigint): string {
  const iso = new Date(Number(timeNs / 1_000_000n)).toISOString();
  return `${iso.slice(0, 19)}.${String(timeNs % 1_000_000_000n).padStart(9, '0')}Z`;
}
