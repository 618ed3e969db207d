#!/usr/bin/env node
// Pull bench (issue 12): an image of 4 gzip layers (~200 MB of random bytes) in a docker-registry on 127.0.0.1,
// pulled by skiff (cold, and with every layer already present), `skopeo copy` to a directory and `podman pull`
// (its own temp storage). Wall time and peak RSS (GNU time's %M) per run; medians of ROUNDS runs.
//
//   node bench/pull.mjs [--rounds 3] [--mb 200]      (root; needs docker-registry, skopeo, podman, /usr/bin/time)
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const ROUNDS = option('--rounds', 3);
const MB = option('--mb', 200);
const cli = join(dirname(fileURLToPath(import.meta.url)), '../apps/cli/dist/skiff.cjs');
const base = mkdtempSync(join(tmpdir(), 'skiff-bench-pull-'));
const sha = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A ustar of one file (the bench's layers need nothing more). */
function tarOf(name, content) {
  const header = Buffer.alloc(512);
  const put = (text, offset) => Buffer.from(text).copy(header, offset);
  put(name, 0);
  put('0000644\0', 100);
  put('0000000\0', 108);
  put('0000000\0', 116);
  put(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
  put('14000000000\0', 136);
  put('        ', 148);
  put('0', 156);
  put('ustar\0', 257);
  put('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([header, content, Buffer.alloc((512 - (content.length % 512)) % 512), Buffer.alloc(1024)]);
}

function layout(dir, tag, layers) {
  mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const blob = (bytes) => {
    writeFileSync(join(dir, 'blobs/sha256', sha(bytes).slice(7)), bytes);
    return { digest: sha(bytes), size: bytes.length };
  };
  const descriptors = layers.map(({ tar, gz }) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...blob(gz), diffId: sha(tar) }));
  const config = blob(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: descriptors.map((d) => d.diffId) } })));
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers: descriptors.map(({ diffId, ...d }) => d) }));
  const m = blob(manifest);
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m, annotations: { 'org.opencontainers.image.ref.name': tag } }] }));
}

const port = await new Promise((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});
const storage = join(base, 'registry');
writeFileSync(join(base, 'registry.yml'), `version: 0.1\nlog: { level: error, accesslog: { disabled: true } }\nstorage: { filesystem: { rootdirectory: ${storage} } }\nhttp: { addr: "127.0.0.1:${port}" }\n`);
const registry = spawn('docker-registry', ['serve', join(base, 'registry.yml')], { stdio: 'ignore' });
const host = `127.0.0.1:${port}`;
try {
  for (let i = 0; i < 100; i++) {
    if (await fetch(`http://${host}/v2/`).then((r) => r.ok, () => false)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const layers = Array.from({ length: 4 }, (_, i) => {
    const tar = tarOf(`layer${i}`, randomBytes((MB / 4) * 1024 * 1024));
    return { tar, gz: gzipSync(tar, { level: 1 }) };
  });
  const policy = join(base, 'policy.json');
  writeFileSync(policy, '{"default":[{"type":"insecureAcceptAnything"}]}');
  for (const tag of ['a', 'b']) {
    layout(join(base, 'oci'), tag, layers);
    const pushed = spawnSync('skopeo', ['copy', '-q', '--policy', policy, '--dest-tls-verify=false', '--preserve-digests', `oci:${join(base, 'oci')}:${tag}`, `docker://${host}/bench/big:${tag}`]);
    if (pushed.status !== 0) throw new Error(`skopeo push: ${pushed.stderr}`);
  }

  const timed = (command, commandArgs, env = {}) => {
    const start = process.hrtime.bigint();
    const result = spawnSync('/usr/bin/time', ['-f', '%M', command, ...commandArgs], { encoding: 'utf8', env: { ...process.env, ...env } });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) throw new Error(`${command} ${commandArgs.join(' ')}: ${result.stderr}`);
    return { ms, rssMiB: Number(result.stderr.trim().split('\n').at(-1)) / 1024 };
  };
  const cases = {
    'skiff pull (cold)': (dir) => timed('node', [cli, '--root', join(dir, 'root'), '--run-root', join(dir, 'run'), 'pull', '-q', `${host}/bench/big:a`]),
    'skiff pull (layers present)': (dir) => {
      timed('node', [cli, '--root', join(dir, 'root'), '--run-root', join(dir, 'run'), 'pull', '-q', `${host}/bench/big:a`]);
      return timed('node', [cli, '--root', join(dir, 'root'), '--run-root', join(dir, 'run'), 'pull', '-q', `${host}/bench/big:b`]);
    },
    'skopeo copy to dir: (cold)': (dir) => timed('skopeo', ['copy', '-q', '--policy', policy, '--src-tls-verify=false', `docker://${host}/bench/big:a`, `dir:${join(dir, 'copy')}`]),
    'podman pull (cold)': (dir) =>
      timed('podman', ['--root', join(dir, 'proot'), '--runroot', join(dir, 'prun'), '--storage-driver', 'overlay', 'pull', '-q', '--tls-verify=false', `${host}/bench/big:a`]),
  };
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(`pull of ${MB} MB (4 gzip layers) from docker-registry on loopback, ${ROUNDS} rounds, load average ${(await import('node:os')).loadavg()[0].toFixed(1)}`);
  console.log('| | wall median (s) | min–max (s) | peak RSS median (MiB) |\n| --- | ---: | ---: | ---: |');
  for (const [name, run] of Object.entries(cases)) {
    const results = [];
    for (let round = 0; round < ROUNDS; round++) {
      const dir = mkdtempSync(join(base, 'run-'));
      try {
        results.push(run(dir));
      } catch (error) {
        results.push({ ms: Number.NaN, rssMiB: Number.NaN, error });
      } finally {
        // podman's overlay storage may leave a mount of its own under the temp dir: unmount it (only ours).
        const { readFileSync } = await import('node:fs');
        const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((line) => line.split(' ')[4]).filter((point) => point?.startsWith(dir));
        for (const point of mounts.reverse()) spawnSync('umount', ['-l', point]);
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const failed = results.find((r) => r.error);
    if (failed) {
      console.log(`| ${name} | failed: ${String(failed.error.message).split('\n')[0]} | | |`);
      continue;
    }
    const ms = results.map((r) => r.ms / 1000);
    console.log(`| ${name} | ${median(ms).toFixed(2)} | ${Math.min(...ms).toFixed(2)}–${Math.max(...ms).toFixed(2)} | ${median(results.map((r) => r.rssMiB)).toFixed(0)} |`);
  }
} finally {
  registry.kill('SIGTERM');
  rmSync(base, { recursive: true, force: true });
}
