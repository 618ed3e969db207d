// Resumable downloads (issue 12): the registry dies in the middle of a layer (the test SIGKILLs the
// docker-registry it started, then starts it again on the same storage); the failed pull keeps what it had, and
// the next pull continues with a Range request instead of starting over. A slow loopback proxy in front of the
// registry stretches the download so the kill lands in the middle, and logs the requests.
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { ociLayout, push, registryUnavailable, startRegistry } from '../../../packages/image/test/registry-fixture.js';
import { sandbox } from './cli.js';

const unavailable = registryUnavailable();
if (unavailable) console.warn(`skipped: the resumable pull test ${unavailable}`);

/** A TCP proxy to `target` that sends the registry's answers at ~4 MB/s and records what clients ask. */
async function slowProxy(target: number) {
  const requests: string[] = [];
  let answered = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection(target, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      requests.push(...chunk.toString('latin1').split('\r\n').filter((line) => /^(GET|HEAD) |^range:/i.test(line)));
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      answered += chunk.length;
      client.write(chunk);
      upstream.pause();
      setTimeout(() => upstream.resume(), Math.ceil(chunk.length / 4096));
    });
    // A dead registry is a reset connection, as it would be without the proxy.
    upstream.on('close', () => client.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port, requests, answered: () => answered };
}

describe.runIf(!unavailable && requiresRoot('pulled layers are unpacked with their owners'))('a pull the registry dies in', () => {
  it('keeps the partial layer and the next pull continues it with a Range request', async () => {
    const registry = await startRegistry();
    const layout = ociLayout(join(tempDir('layout-'), 'oci'));
    const size = 24 * 1024 * 1024;
    const built = layout.image({ layers: [{ entries: [{ path: 'random', content: randomBytes(size) }], compression: 'none' }] });
    layout.tag('v1', built);
    push(layout.dir, 'v1', `${registry.host}/team/big:v1`);
    const proxy = await slowProxy(Number(registry.host.split(':')[1]));
    const name = `127.0.0.1:${proxy.port}/team/big:v1`;
    const { skiff, root } = sandbox();
    const layer = built.layers[0]!;
    const partial = join(root, 'blobs', '.partial', layer.digest.slice(7));

    const first = skiff(['pull', name]);
    const grown = () => (existsSync(partial) ? statSync(partial).size : 0);
    for (let wait = 0; wait < 600 && grown() < 4 * 1024 * 1024; wait++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(grown()).toBeGreaterThanOrEqual(4 * 1024 * 1024);
    await registry.restart();
    const failed = await first;
    expect(failed.exitCode).toBe(1);
    expect(String(failed.stderr).trim().split('\n')).toHaveLength(1);
    const kept = grown();
    expect(kept).toBeGreaterThanOrEqual(4 * 1024 * 1024);
    expect(kept).toBeLessThan(layer.size);

    const before = proxy.answered();
    const second = await skiff(['pull', name]);
    expect(second.exitCode, String(second.stderr)).toBe(0);
    // Header names by runtime: Node's fetch sends `range`, Bun's `Range`.
    expect(proxy.requests.filter((line) => /^range:/i.test(line)).map((line) => line.toLowerCase())).toEqual([`range: bytes=${kept}-`]);
    // Only the rest came the second time (plus manifests and the config).
    expect(proxy.answered() - before).toBeLessThan(layer.size - kept + 64 * 1024);
    expect(existsSync(partial)).toBe(false);
    const [inspect] = JSON.parse((await skiff(['image', 'inspect', name])).stdout) as { Id: string }[];
    expect(inspect!.Id).toBe(built.config.digest);
  });
});
