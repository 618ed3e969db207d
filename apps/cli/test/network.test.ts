// Container networking (issue 13), on this test's own bridge, subnet and nft table (network-sandbox.ts). Traffic
// goes only to 127.0.0.0/8, to the test's containers, and to network namespaces the tests make.
import { execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { requiresRoot, suiteIfPrefix, suitePrefix, tempDir } from '../../../test/support.js';
import { expectOneLineError } from './cli.js';
import { allocated, dnatRules, hostVeth, namedNetns, networkSandbox, type NetworkSandbox } from './network-sandbox.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const hasTools = (() => {
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    console.warn('skipped: the network tests need nft (nftables) and ip (iproute2)');
    return false;
  }
})();
const root = requiresRoot('network tests make bridges, veths and nft rules') && hasTools;

async function inspect(sb: NetworkSandbox, reference: string) {
  const result = await sb.skiff(['inspect', reference]);
  expect(result.exitCode, String(result.stderr)).toBe(0);
  return JSON.parse(String(result.stdout))[0] as {
    Id: string;
    State: { Pid: number; Running: boolean };
    NetworkSettings: { IPAddress: string; Gateway: string; MacAddress: string; Ports: Record<string, { HostIp: string; HostPort: string }[]>; Networks: Record<string, { IPAddress: string }> };
  };
}

async function detached(sb: NetworkSandbox, args: string[]): Promise<string> {
  const result = await sb.skiff(['run', '-d', '--pull', 'never', ...args]);
  expect(result.exitCode, String(result.stderr)).toBe(0);
  return String(result.stdout).trim();
}

/** A TCP listener on 127.0.0.1 (a free port), closed after the test. */
async function occupy(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

async function httpGet(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return response.text();
}

/** Nothing of container `id` in the host's links, the table, the IPAM state or /run/netns. */
function expectNothingLeft(sb: NetworkSandbox, ids: string[], networks = ['bridge']): void {
  for (const id of ids) for (const network of networks) expect(hostVeth(sb, id, network), `veth of ${id.slice(0, 12)} on ${network}`).toBeUndefined();
  expect(dnatRules(sb)).toEqual([]);
  expect(allocated(sb)).toEqual([]);
  expect(namedNetns(sb)).toEqual([]);
}

/**
 * A "remote" host: a network namespace of this test's with one veth to the host: host side 10.25x.y.1/30, its side
 * .2, and no route back to any container subnet, so only masqueraded traffic can be answered.
 */
function remoteHost(): { netns: string; address: string; hostAddress: string } {
  const tag = randomBytes(2).toString('hex');
  const netns = `${suitePrefix()}remote${tag}`;
  const link = `${suiteIfPrefix()}r${tag}`;
  const base = `10.${250 + randomInt(4)}.${randomInt(256)}.${randomInt(64) * 4}`;
  const [a, b, c, d] = base.split('.').map(Number) as [number, number, number, number];
  const hostAddress = `${a}.${b}.${c}.${d + 1}`;
  const address = `${a}.${b}.${c}.${d + 2}`;
  execFileSync('ip', ['netns', 'add', netns]);
  onTestFinished(() => {
    execFileSync('ip', ['netns', 'del', netns]);
  });
  execFileSync('ip', ['link', 'add', link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
  onTestFinished(() => {
    try {
      execFileSync('ip', ['link', 'del', link], { stdio: 'ignore' });
    } catch {
      // went with the namespace
    }
  });
  execFileSync('ip', ['addr', 'add', `${hostAddress}/30`, 'dev', link]);
  execFileSync('ip', ['link', 'set', link, 'up']);
  execFileSync('ip', ['-n', netns, 'addr', 'add', `${address}/30`, 'dev', 'eth0']);
  execFileSync('ip', ['-n', netns, 'link', 'set', 'eth0', 'up']);
  execFileSync('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
  return { netns, address, hostAddress };
}

describe.runIf(root)('the default bridge network', () => {
  it('gives a container eth0 with an address of the subnet, a default route, /etc files and docker\'s environment; nothing is left after', async () => {
    // A non-loopback resolver is only written into the container's file here; nothing queries it.
    const sb = networkSandbox({ resolvConf: 'nameserver 127.0.0.53\nnameserver 192.0.2.53\nsearch example.test\noptions ndots:1\n' });
    const result = await sb.skiff([
      'run', '--rm', '--pull', 'never', '--hostname', 'boat', '--add-host', 'db:10.1.2.3', '--add-host', 'gw:host-gateway', '--dns-search', 'corp.test',
      'busybox', 'sh', '-c', 'ip -o -4 addr show eth0; ip route; echo ---; cat /etc/hosts; echo ---; cat /etc/resolv.conf; echo ---; cat /etc/hostname; env',
    ]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const [addr, hosts, resolv, rest] = String(result.stdout).split('---\n') as [string, string, string, string];
    const prefix = sb.subnet.replace(/0\/24$/, '');
    expect(addr).toMatch(new RegExp(`eth0 +inet ${prefix.replaceAll('.', '\\.')}\\d+/24`));
    expect(addr).toContain(`default via ${sb.gateway} dev eth0`);
    const ip = /inet ([\d.]+)\//.exec(addr)![1];
    expect(hosts).toContain('127.0.0.1\tlocalhost');
    expect(hosts).toContain(`${ip}\tboat`);
    expect(hosts).toContain('10.1.2.3\tdb');
    expect(hosts).toContain(`${sb.gateway}\tgw`);
    // The host's resolvers minus the loopback one; --dns-search replaces the search line; options kept.
    expect(resolv).toBe('nameserver 192.0.2.53\nsearch corp.test\noptions ndots:1\n');
    expect(rest).toMatch(/^boat\n/);
    expect(rest).toContain('HOSTNAME=boat');
    expect(rest).toContain('HOME=/root');
    expect(allocated(sb)).toEqual([]);
    expect(namedNetns(sb)).toEqual([]);
  });

  it('reaches a "remote" server through masquerade (outbound NAT to a namespace of the test)', async () => {
    const sb = networkSandbox();
    const remote = remoteHost();
    const www = tempDir('skiff-test-www-');
    writeFileSync(join(www, 'hello'), 'from the remote side\n');
    const server = spawn('ip', ['netns', 'exec', remote.netns, 'busybox', 'httpd', '-f', '-p', `${remote.address}:8080`, '-h', www], { stdio: 'ignore' });
    onTestFinished(() => void server.kill('SIGKILL'));
    await sleep(200);
    const result = await sb.skiff(['run', '--rm', '--pull', 'never', 'busybox', 'timeout', '5', 'wget', '-qO-', `http://${remote.address}:8080/hello`]);
    expect(result.stdout, String(result.stderr)).toBe('from the remote side');
    // The remote side has no route to the container's subnet: the answer came back only through masquerade.
    expect(execFileSync('ip', ['-n', remote.netns, 'route'], { encoding: 'utf8' })).not.toContain(sb.subnet.split('/')[0]);
  });

  it('--network none is unchanged: only lo, no address taken, no bridge made', async () => {
    const sb = networkSandbox();
    const result = await sb.skiff(['run', '--rm', '--pull', 'never', '--network', 'none', 'busybox', 'ls', '/sys/class/net']);
    expect(result.stdout).toBe('lo');
    // docker's environment in every mode: HOME from the image's passwd (busybox's nobody: /nonexistent), TERM with -t.
    const env = String((await sb.skiff(['run', '--rm', '--pull', 'never', '--network', 'none', '-t', '-u', 'nobody', '--hostname', 'h1', 'busybox', 'env'])).stdout);
    expect(env.split(/\r?\n/)).toEqual(expect.arrayContaining(['HOME=/nonexistent', 'TERM=xterm', 'HOSTNAME=h1']));
    expect(allocated(sb)).toEqual([]);
    expect(readFileSync('/proc/net/dev', 'utf8')).not.toContain(sb.bridge);
  });

  it('--network host gives the host\'s hostname and resolv.conf; container:NAME shares a container\'s network and /etc files', async () => {
    const sb = networkSandbox({ resolvConf: 'nameserver 127.0.0.53\nsearch host.test\n' });
    const host = await sb.skiff(['run', '--rm', '--pull', 'never', '--network', 'host', '--add-host', 'extra:10.9.8.7', 'busybox', 'sh', '-c', 'hostname; cat /etc/resolv.conf; grep extra /etc/hosts']);
    expect(String(host.stdout).split('\n')).toEqual([hostname(), 'nameserver 127.0.0.53', 'search host.test', '10.9.8.7\textra']);
    const base = await detached(sb, ['--name', 'base', 'busybox', 'sleep', '60']);
    const ip = (await inspect(sb, base)).NetworkSettings.IPAddress;
    const joined = await sb.skiff(['run', '--rm', '--pull', 'never', '--network', 'container:base', 'busybox', 'sh', '-c', 'ip -o -4 addr show eth0; cat /etc/hostname']);
    expect(joined.stdout, String(joined.stderr)).toContain(`inet ${ip}/`);
    expect(String(joined.stdout)).toContain(base.slice(0, 12));
    expectOneLineError(await sb.skiff(['run', '--rm', '--pull', 'never', '--network', 'container:nosuch', 'busybox', 'true']), /nosuch/);
  });

  it('gives 50 containers started at once 50 different addresses, and takes them all back', { timeout: 180_000 }, async () => {
    const sb = networkSandbox();
    const ids = await Promise.all(Array.from({ length: 50 }, () => detached(sb, ['busybox', 'sleep', '60'])));
    const addresses = await Promise.all(ids.map(async (id) => (await inspect(sb, id)).NetworkSettings.IPAddress));
    expect(new Set(addresses).size, `addresses: ${addresses.join(' ')}`).toBe(50);
    expect(addresses.every((ip) => ip.startsWith(sb.subnet.replace(/0\/24$/, '')))).toBe(true);
    const removed = await sb.skiff(['rm', '-f', ...ids]);
    expect(removed.exitCode, String(removed.stderr)).toBe(0);
    expectNothingLeft(sb, ids);
  });
});

describe.runIf(root)('published ports', () => {
  it('-p serves on 127.0.0.1, shows in port, ps and inspect, reaches another container through the gateway (hairpin), and goes with the container', async () => {
    const sb = networkSandbox();
    const id = await detached(sb, ['-p', '127.0.0.1::80', '-p', '18999/udp', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const info = await inspect(sb, id);
    const host = info.NetworkSettings.Ports['80/tcp']![0]!;
    expect(host.HostIp).toBe('127.0.0.1');
    expect(info.NetworkSettings.Ports['18999/udp']![0]!.HostIp).toBe('0.0.0.0');
    expect(String((await sb.skiff(['port', id, '80'])).stdout)).toBe(`127.0.0.1:${host.HostPort}`);
    expect(String((await sb.skiff(['ps'])).stdout)).toContain(`127.0.0.1:${host.HostPort}->80/tcp`);
    await waitFor(async () => (await httpGet(`http://127.0.0.1:${host.HostPort}/hostname`).catch(() => '')) === `${id.slice(0, 12)}\n`, 'httpd on 127.0.0.1');
    // Hairpin: another container on the bridge, through the host's address on it, to a port published on all addresses.
    const all = await detached(sb, ['-p', '80', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc']);
    const allPort = (await inspect(sb, all)).NetworkSettings.Ports['80/tcp']![0]!.HostPort;
    const hairpin = await sb.skiff(['run', '--rm', '--pull', 'never', 'busybox', 'timeout', '5', 'wget', '-qO-', `http://${sb.gateway}:${allPort}/hostname`]);
    expect(hairpin.stdout, String(hairpin.stderr)).toBe(all.slice(0, 12));
    expect(dnatRules(sb)).toHaveLength(3);
    await sb.skiff(['rm', '-f', id, all]);
    expectNothingLeft(sb, [id, all]);
  });

  it('refuses a host port in use with one line, before the container starts, leaving nothing', async () => {
    const sb = networkSandbox();
    const port = await occupy();
    const result = await sb.skiff(['run', '--rm', '--pull', 'never', '-p', `127.0.0.1:${port}:80`, 'busybox', 'true']);
    expectOneLineError(result, new RegExp(`Bind for 127\\.0\\.0\\.1:${port} failed: port is already allocated`));
    expect(sb.containers()).toEqual([]);
    expect(allocated(sb)).toEqual([]);
    // One skiff container's port is another's conflict too.
    const first = await detached(sb, ['-p', '127.0.0.1::80', 'busybox', 'sleep', '60']);
    const taken = (await inspect(sb, first)).NetworkSettings.Ports['80/tcp']![0]!.HostPort;
    const second = await sb.skiff(['run', '--rm', '--pull', 'never', '-p', `127.0.0.1:${taken}:80`, 'busybox', 'true']);
    expectOneLineError(second, /port is already allocated/);
  });

  it('refuses bad -p specs and publishing with --network none with one line', async () => {
    const sb = networkSandbox();
    for (const spec of ['70000:80', '80-90:80-85', 'a:b', '1.2.3:80:80', '80/sctp']) {
      expectOneLineError(await sb.skiff(['run', '--rm', '--pull', 'never', '-p', spec, 'busybox', 'true']), /invalid -p/);
    }
    expectOneLineError(await sb.skiff(['run', '--rm', '--pull', 'never', '--network', 'none', '-p', '80', 'busybox', 'true']), /conflicting options: port publishing/);
  });
});

describe.runIf(root)('user networks', () => {
  it('resolves a container started later by name and alias; isolates networks from each other', async () => {
    const sb = networkSandbox();
    expect((await sb.skiff(['network', 'create', 'front'])).exitCode).toBe(0);
    expect((await sb.skiff(['network', 'create', '--label', 'tier=back', 'back'])).exitCode).toBe(0);
    const early = await detached(sb, ['--network', 'front', '--name', 'early', 'busybox', 'sleep', '60']);
    const late = await detached(sb, ['--network', 'front', '--name', 'late', '--network-alias', 'db.internal', 'busybox', 'sleep', '60']);
    const lookup = await sb.skiff(['exec', early, 'sh', '-c', 'nslookup late; nslookup db.internal; ping -c1 -W2 late']);
    const lateIp = (await inspect(sb, late)).NetworkSettings.Networks.front!.IPAddress;
    expect(lookup.stdout, String(lookup.stderr)).toContain(`Address: ${lateIp}`);
    expect(String(lookup.stdout)).toContain('1 packets received');
    // Another network: neither its names nor its addresses reach `front`'s containers.
    const other = await detached(sb, ['--network', 'back', '--name', 'other', 'busybox', 'sleep', '60']);
    const otherIp = (await inspect(sb, other)).NetworkSettings.Networks.back!.IPAddress;
    const isolated = await sb.skiff(['exec', other, 'sh', '-c', `ping -c1 -W1 ${lateIp}; nslookup late`]);
    expect(isolated.exitCode).not.toBe(0);
    expect(String(isolated.stdout)).toContain('0 packets received');
    expect(String(isolated.stdout)).not.toContain(`Address: ${lateIp}`);
    // A network's responder answers its own subnet only.
    const frontGateway = JSON.parse(String((await sb.skiff(['network', 'inspect', 'front'])).stdout))[0].IPAM.Config[0].Gateway;
    const foreign = await sb.skiff(['exec', other, 'timeout', '3', 'nslookup', 'late', frontGateway]);
    expect(String(foreign.stdout)).not.toContain(lateIp);
    const inspected = JSON.parse(String((await sb.skiff(['network', 'inspect', 'front'])).stdout))[0];
    expect(Object.keys(inspected.Containers).sort()).toEqual([early, late].sort());
    expect(inspected.DNS.ResidentKiB).toBeGreaterThan(0);
    console.log(`network.test.ts: DNS responder resident memory ${inspected.DNS.ResidentKiB} KiB`);
    expect(otherIp).not.toBe(lateIp);
    // In use: refused; once empty: removed, with its bridge and responder.
    expectOneLineError(await sb.skiff(['network', 'rm', 'front']), /has active endpoints/);
    await sb.skiff(['rm', '-f', early, late, other]);
    const responder = inspected.DNS.Pid as number;
    await waitFor(() => !readFileSafe(`/proc/${responder}/cmdline`).includes('skiff-dns'), 'the responder to exit');
    expect(String((await sb.skiff(['network', 'rm', 'front', 'back'])).stdout)).toBe('front\nback');
    expectNothingLeft(sb, [early, late], ['front']);
    expect(String((await sb.skiff(['network', 'ls'])).stdout)).not.toMatch(/front|back/);
  });

  it('connect gives a running container another interface and the names of that network, kept across a restart; disconnect takes them away', async () => {
    const sb = networkSandbox();
    await sb.skiff(['network', 'create', 'na']);
    await sb.skiff(['network', 'create', 'nb']);
    const c1 = await detached(sb, ['--network', 'na', '--name', 'c1', 'busybox', 'sleep', '60']);
    const c2 = await detached(sb, ['--network', 'nb', '--name', 'c2', 'busybox', 'sleep', '60']);
    const c3 = await detached(sb, ['--network', 'na', '--name', 'c3', 'busybox', 'sleep', '60']);
    const connect = await sb.skiff(['network', 'connect', '--alias', 'second', 'nb', 'c1']);
    expect(connect.exitCode, String(connect.stderr)).toBe(0);
    expect(String((await sb.skiff(['exec', 'c1', 'ip', '-o', '-4', 'addr'])).stdout)).toMatch(/eth1 +inet /);
    expect(String((await sb.skiff(['exec', 'c1', 'ping', '-c1', '-W2', 'c2'])).stdout)).toContain('1 packets received');
    expect(String((await sb.skiff(['exec', 'c2', 'ping', '-c1', '-W2', 'second'])).stdout)).toContain('1 packets received');
    // c3 shares only `na` with c1: c2 stays out of its sight.
    expect(String((await sb.skiff(['exec', 'c3', 'nslookup', 'c2'])).stdout)).toContain("can't find c2");
    expectOneLineError(await sb.skiff(['network', 'connect', 'nb', 'c1']), /already attached to network nb/);
    expect((await sb.skiff(['restart', '-t', '0', 'c1'])).exitCode).toBe(0);
    expect(String((await sb.skiff(['exec', 'c1', 'ip', '-o', '-4', 'addr'])).stdout)).toMatch(/eth1 +inet /);
    expect((await sb.skiff(['network', 'disconnect', 'nb', 'c1'])).exitCode).toBe(0);
    expect(String((await sb.skiff(['exec', 'c1', 'ip', '-o', '-4', 'addr'])).stdout)).not.toContain('eth1');
    expect(hostVeth(sb, c1, 'nb')).toBeUndefined();
    expectOneLineError(await sb.skiff(['network', 'disconnect', 'na', 'c1']), /cannot be disconnected/);
    await sb.skiff(['rm', '-f', c1, c2, c3]);
    expectNothingLeft(sb, [c1, c2, c3], ['na', 'nb']);
  });

  it('forwards names it does not know to the host\'s resolver', async () => {
    // A fake upstream on a loopback address of the test's own: it answers every A query with 192.0.2.77.
    const upstream = `127.${randomInt(1, 255)}.${randomInt(256)}.${randomInt(1, 255)}`;
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(53, upstream, resolve));
    onTestFinished(() => new Promise<void>((resolve) => socket.close(() => resolve())));
    socket.on('message', (query, from) => {
      const end = query.indexOf(0, 12) + 5;
      const answer = Buffer.concat([query.subarray(0, end), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 192, 0, 2, 77])]);
      answer[2] = 0x81;
      answer[3] = 0x80;
      answer.writeUInt16BE(1, 6);
      socket.send(answer, from.port, from.address);
    });
    const sb = networkSandbox({ resolvConf: `nameserver ${upstream}\n` });
    await sb.skiff(['network', 'create', 'fwd']);
    const result = await sb.skiff(['run', '--rm', '--pull', 'never', '--network', 'fwd', 'busybox', 'nslookup', 'www.example.test']);
    expect(result.stdout, String(result.stderr)).toContain('Address: 192.0.2.77');
  });

  it('refuses odd names before they reach /etc/hosts or the DNS table (one line each)', async () => {
    const sb = networkSandbox();
    await sb.skiff(['network', 'create', 'n1']);
    const bad = [
      ['--network', 'n1', '--network-alias', 'evil\n10.0.0.9 bank'],
      ['--network', 'n1', '--network-alias', 'a b'],
      ['--network', 'n1', '--network-alias', '#x'],
      ['--add-host', 'evil\n10.0.0.9 bank:1.2.3.4'],
      ['--add-host', 'ok:1.2.3.4\n10.0.0.9 bank'],
      ['--dns-search', 'x\nnameserver 10.9.9.9'],
      ['--dns-option', 'ndots:1\nnameserver 10.9.9.9'],
      ['--dns', '10.0.0.1\nnameserver 10.9.9.9'],
    ];
    for (const args of bad) expectOneLineError(await sb.skiff(['run', '--rm', '--pull', 'never', ...args, 'busybox', 'true']), /invalid/);
    expectOneLineError(await sb.skiff(['network', 'create', '../../etc']), /invalid network name/);
    expectOneLineError(await sb.skiff(['network', 'create', 'bridge']), /reserved/);
    expect(sb.containers()).toEqual([]);
  });

  it('survives malformed and oversized DNS packets, and still answers', async () => {
    const sb = networkSandbox();
    await sb.skiff(['network', 'create', 'dnsnet']);
    const id = await detached(sb, ['--network', 'dnsnet', '--name', 'target', 'busybox', 'sleep', '60']);
    const info = JSON.parse(String((await sb.skiff(['network', 'inspect', 'dnsnet'])).stdout))[0];
    const gateway: string = info.IPAM.Config[0].Gateway;
    const pid: number = info.DNS.Pid;
    // The host reaches the gateway from the gateway's own address: inside the subnet, so the responder listens.
    const client = createSocket('udp4');
    await new Promise<void>((resolve) => client.bind(0, gateway, resolve));
    onTestFinished(() => new Promise<void>((resolve) => client.close(() => resolve())));
    const header = (qd: number) => Buffer.from([0x12, 0x34, 0x01, 0x00, 0, qd, 0, 0, 0, 0, 0, 0]);
    const packets = [
      Buffer.alloc(0),
      Buffer.from([1, 2, 3]),
      header(1), // no question
      Buffer.concat([header(1), Buffer.from([63, 0x61])]), // a label running past the end
      Buffer.concat([header(1), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]), // a compression loop in the question
      Buffer.concat([header(2), Buffer.from([1, 0x61, 0, 0, 1, 0, 1])]), // two questions
      Buffer.concat([header(1), Buffer.alloc(9000, 1)]), // oversized
      Buffer.concat([header(1), Buffer.from(Array.from({ length: 5 }, () => [63, ...Buffer.alloc(63, 0x61)]).flat()), Buffer.from([0, 0, 1, 0, 1])]), // a name over 253
      Buffer.concat([Buffer.from([0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0]), Buffer.from([6, ...Buffer.from('target'), 0, 0, 1, 0, 1])]), // a response, not a query
    ];
    for (const packet of packets) client.send(packet, 53, gateway);
    // Then a good query for the container's name is still answered, by the same process.
    const answer = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer from the responder')), 3_000);
      client.once('message', (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      client.send(Buffer.concat([header(1), Buffer.from([6, ...Buffer.from('TARGET'), 0, 0, 1, 0, 1])]), 53, gateway);
    });
    const ip = (await inspect(sb, id)).NetworkSettings.Networks.dnsnet!.IPAddress;
    expect([...answer.subarray(-4)].join('.')).toBe(ip);
    expect(answer.readUInt16BE(6)).toBe(1);
    expect(readFileSafe(`/proc/${pid}/cmdline`)).toContain('skiff-dns');
  });
});

describe.runIf(root)('kill -9, then the next command cleans up', () => {
  it('of a detached container\'s supervisor and of an attached run: no veth, rule, address or namespace left after ps', async () => {
    const sb = networkSandbox();
    const id = await detached(sb, ['-p', '127.0.0.1::80', 'busybox', 'sleep', '60']);
    const init = (await inspect(sb, id)).State.Pid;
    const supervisor = Number(readFileSync(`/proc/${init}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    expect(readFileSafe(`/proc/${supervisor}/cmdline`)).toContain('skiff-helper');
    process.kill(supervisor, 'SIGKILL');
    // An attached run killed while its container runs.
    const attached = sb.skiff(['run', '--pull', 'never', '--name', 'attached', '-p', '127.0.0.1::81', 'busybox', 'sleep', '60']);
    await waitFor(async () => JSON.parse(String((await sb.skiff(['ps', '--format', 'json'])).stdout || 'null'))?.Names === 'attached' || String((await sb.skiff(['ps'])).stdout).includes('attached'), 'the attached container to run');
    const attachedId = (await inspect(sb, 'attached')).Id;
    process.kill(attached.pid!, 'SIGKILL');
    await attached;
    await waitFor(() => !readFileSafe(`/proc/${init}/cmdline`), 'the init whose supervisor died to die');
    await waitFor(async () => !String((await sb.skiff(['ps'])).stdout).includes('attached'), 'the attached container to stop');
    const ps = await sb.skiff(['ps', '-a']);
    expect(ps.exitCode).toBe(0);
    expectNothingLeft(sb, [id, attachedId]);
  });

  it('the DNS responder exits by itself once every container of its network is dead, with no skiff command run', async () => {
    const sb = networkSandbox();
    await sb.skiff(['network', 'create', 'lonely']);
    const id = await detached(sb, ['--network', 'lonely', 'busybox', 'sleep', '60']);
    const responder: number = JSON.parse(String((await sb.skiff(['network', 'inspect', 'lonely'])).stdout))[0].DNS.Pid;
    const init = (await inspect(sb, id)).State.Pid;
    process.kill(Number(readFileSync(`/proc/${init}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]), 'SIGKILL'); // the supervisor; the init follows
    await waitFor(() => !readFileSafe(`/proc/${responder}/cmdline`).includes('skiff-dns'), 'the responder to exit', 10_000);
  });

  it('of `run` while it sets up the network: ps gives back what it took', async () => {
    const sb = networkSandbox();
    for (let i = 0; i < 5; i++) {
      const run = sb.skiff(['run', '-d', '--pull', 'never', '-p', '127.0.0.1::80', 'busybox', 'sleep', '60']);
      await sleep(randomInt(10, 200));
      // On a fast runtime the run may already be done: the invariant below must hold either way.
      if (run.exitCode === undefined || run.exitCode === null) {
        try {
          process.kill(run.pid!, 'SIGKILL');
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
        }
      }
      await run;
    }
    await sb.skiff(['ps', '-a']);
    const running = String((await sb.skiff(['ps', '-q', '--no-trunc'])).stdout).split('\n').filter(Boolean);
    // What runs holds exactly one address each; nothing else is held.
    expect(allocated(sb).length).toBe(running.length);
    await sb.skiff(['rm', '-f', ...sb.containers()]);
    expectNothingLeft(sb, sb.containers());
  });
});

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

