/**
 * Published ports: docker's -p syntax, and host ports reserved so none is handed out twice. A reservation is
 * a file made with O_EXCL (paths.ts); before it is taken, the port is bound once on the host, so a port some
 * other program listens on is refused before the container starts (a DNAT rule alone would silently win).
 */
import { createSocket } from 'node:dgram';
import { mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { SkiffError, invalidArgument } from '@skiff/plugin';
import { claimFile } from './claim.js';
import { isIpv4 } from './names.js';

export type Protocol = 'tcp' | 'udp';

/** One -p: host port 0 asks for a free one; `hostIp` '' means every address of the host. */
export interface PortSpec {
  hostIp: string;
  hostPort: number;
  /** With a host range for one container port: the last port of the range (any free one of them is taken). */
  hostPortEnd?: number;
  containerPort: number;
  protocol: Protocol;
}

/** A mapping in force: what nft DNATs and `skiff port` shows. */
export interface PortBinding {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  protocol: Protocol;
}

function port(text: string, spec: string): number {
  const value = Number(text);
  if (!/^\d{1,5}$/.test(text) || value < 1 || value > 65535) throw invalidArgument(`invalid -p ${JSON.stringify(spec)}: ${JSON.stringify(text)} is not a port (1-65535)`);
  return value;
}

function range(text: string, spec: string): [number, number] {
  const [first, last = first] = text.split('-') as [string, string?];
  const start = port(first, spec);
  const end = port(last!, spec);
  if (end < start) throw invalidArgument(`invalid -p ${JSON.stringify(spec)}: the range ${text} ends before it starts`);
  return [start, end];
}

/** -p [IP:][HOST[-HOST]:]CTR[-CTR][/tcp|/udp] into one spec per container port. */
export function parsePublish(spec: string): PortSpec[] {
  const slash = spec.lastIndexOf('/');
  const protocol = slash < 0 ? 'tcp' : spec.slice(slash + 1);
  if (protocol !== 'tcp' && protocol !== 'udp') throw invalidArgument(`invalid -p ${JSON.stringify(spec)}: protocol must be tcp or udp`);
  const parts = (slash < 0 ? spec : spec.slice(0, slash)).split(':');
  if (parts.length > 3) throw invalidArgument(`invalid -p ${JSON.stringify(spec)}: use [IP:]HOST:CONTAINER[/PROTOCOL]`);
  const [hostIp, hostText, ctrText] = parts.length === 3 ? parts : parts.length === 2 ? ['', ...parts] : ['', '', parts[0]!];
  if (hostIp !== '' && !isIpv4(hostIp!)) throw invalidArgument(`invalid -p ${JSON.stringify(spec)}: ${JSON.stringify(hostIp)} is not an IPv4 address`);
  const [ctrStart, ctrEnd] = range(ctrText!, spec);
  if (hostText === '') {
    const specs: PortSpec[] = [];
    for (let p = ctrStart; p <= ctrEnd; p++) specs.push({ hostIp: hostIp!, hostPort: 0, containerPort: p, protocol });
    return specs;
  }
  const [hostStart, hostEnd] = range(hostText!, spec);
  if (ctrStart === ctrEnd && hostEnd > hostStart) return [{ hostIp: hostIp!, hostPort: hostStart, hostPortEnd: hostEnd, containerPort: ctrStart, protocol }];
  if (hostEnd - hostStart !== ctrEnd - ctrStart) throw invalidArgument(`invalid -p ${JSON.stringify(spec)}: the host and container ranges differ in length`);
  return Array.from({ length: ctrEnd - ctrStart + 1 }, (_, i) => ({ hostIp: hostIp!, hostPort: hostStart + i, containerPort: ctrStart + i, protocol }));
}

/** docker's port form: "80/tcp" keys of an image's ExposedPorts. */
export function parseExposed(key: string): { containerPort: number; protocol: Protocol } | undefined {
  const match = /^(\d{1,5})(?:\/(tcp|udp))?$/.exec(key);
  if (!match || Number(match[1]) < 1 || Number(match[1]) > 65535) return undefined;
  return { containerPort: Number(match[1]), protocol: (match[2] ?? 'tcp') as Protocol };
}

/** Whether the host lets us bind ip:port now (nothing listens there). Port 0: the kernel's choice, returned. */
async function probe(ip: string, hostPort: number, protocol: Protocol): Promise<number | undefined> {
  const host = ip || '0.0.0.0';
  return new Promise((resolve) => {
    if (protocol === 'udp') {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(undefined));
      socket.bind(hostPort, host, () => {
        const bound = socket.address().port;
        socket.close(() => resolve(bound));
      });
      return;
    }
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ port: hostPort, host, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

const reservation = (dir: string, protocol: Protocol, hostPort: number) => join(dir, `${protocol}-${hostPort}`);

function reserve(dir: string, protocol: Protocol, hostPort: number, owner: string): boolean {
  return claimFile(reservation(dir, protocol, hostPort), owner);
}

const inUse = (spec: { hostIp: string }, hostPort: number) =>
  new SkiffError('ALREADY_EXISTS', `Bind for ${spec.hostIp || '0.0.0.0'}:${hostPort} failed: port is already allocated`, {
    hint: 'choose another host port, or stop what uses it',
  });

/**
 * Reserves a host port for each spec (in order; on failure the ones taken are given back) and returns the
 * bindings. A port some program listens on, or another container holds, fails with docker's message.
 */
export async function reservePorts(dir: string, specs: PortSpec[], owner: string): Promise<PortBinding[]> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const taken: PortBinding[] = [];
  try {
    for (const spec of specs) {
      taken.push(await reserveOne(dir, spec, owner));
    }
    return taken;
  } catch (error) {
    releasePorts(dir, taken, owner);
    throw error;
  }
}

async function reserveOne(dir: string, spec: PortSpec, owner: string): Promise<PortBinding> {
  const binding = (hostPort: number): PortBinding => ({ hostIp: spec.hostIp, hostPort, containerPort: spec.containerPort, protocol: spec.protocol });
  if (spec.hostPort === 0) {
    // The kernel's choice of a free port, then ours: retried when another container took it meanwhile.
    for (let attempt = 0; attempt < 20; attempt++) {
      const hostPort = await probe(spec.hostIp, 0, spec.protocol);
      if (hostPort !== undefined && reserve(dir, spec.protocol, hostPort, owner)) return binding(hostPort);
    }
    throw new SkiffError('UNAVAILABLE', `no free host port for ${spec.containerPort}/${spec.protocol}`);
  }
  const last = spec.hostPortEnd ?? spec.hostPort;
  for (let hostPort = spec.hostPort; hostPort <= last; hostPort++) {
    if (!reserve(dir, spec.protocol, hostPort, owner)) continue;
    if ((await probe(spec.hostIp, hostPort, spec.protocol)) !== undefined) return binding(hostPort);
    unlinkSync(reservation(dir, spec.protocol, hostPort));
  }
  throw inUse(spec, spec.hostPortEnd ? Number(`${spec.hostPort}`) : spec.hostPort);
}

export function releasePorts(dir: string, bindings: PortBinding[], owner: string): void {
  for (const binding of bindings) {
    const file = reservation(dir, binding.protocol, binding.hostPort);
    try {
      if (readFileSync(file, 'utf8') === owner) unlinkSync(file);
    } catch {
      // released already
    }
  }
}
