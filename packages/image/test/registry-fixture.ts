/**
 * Test fixtures for pulls (not shipped): a real registry (Debian's `docker-registry`, distribution 2.8) on
 * 127.0.0.1:<free port> with its own temp storage, OCI layouts built by hand, and `skopeo copy` to push them.
 *
 * Registry storage layout (filesystem driver), which the tamper tests edit in place:
 *   <storage>/docker/registry/v2/blobs/sha256/<2 hex>/<64 hex>/data        blob and manifest bytes
 *   <storage>/docker/registry/v2/repositories/<name>/_manifests/tags/<tag>/current/link
 */
import bcrypt from 'bcryptjs';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { onTestFinished } from 'vitest';
import { tempDir } from '../../../test/support.js';
import { buildTar, type FixtureEntry } from '../src/test-tarball.js';

const which = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;

/** Why the registry tests cannot run here, or undefined when they can. */
export function registryUnavailable(): string | undefined {
  const missing = ['docker-registry', 'skopeo', 'zstd'].filter((command) => !which(command));
  if (missing.length === 0) return undefined;
  return `needs ${missing.join(', ')} (apt-get install docker-registry skopeo zstd; scripts/setup installs them)`;
}

export const sha256 = (bytes: Buffer | string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface TestRegistry {
  /** `127.0.0.1:<port>` */
  host: string;
  storage: string;
  /** Path of a blob's bytes in the registry's storage. */
  blobPath(digest: string): string;
  stop(): Promise<void>;
  /** Kills the registry (SIGKILL, as a crash) and starts it again on the same port and storage. */
  restart(): Promise<void>;
}

export interface RegistryOptions {
  /** Basic auth by docker-registry's htpasswd access controller (bcrypt lines made with bcryptjs). */
  users?: Record<string, string>;
}

/** Starts a registry for the current test; it is stopped when the test finishes. */
export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = tempDir('registry-');
  const storage = join(dir, 'storage');
  mkdirSync(storage);
  const htpasswd = join(dir, 'htpasswd');
  if (options.users) {
    writeFileSync(htpasswd, Object.entries(options.users).map(([user, password]) => `${user}:${bcrypt.hashSync(password, 5)}\n`).join(''));
  }
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const config = join(dir, 'config.yml');
    writeFileSync(
      config,
      [
        'version: 0.1',
        'log: { level: error, accesslog: { disabled: true } }',
        `storage: { filesystem: { rootdirectory: ${storage} }, delete: { enabled: true }, maintenance: { uploadpurging: { enabled: false } } }`,
        `http: { addr: "127.0.0.1:${port}" }`,
        ...(options.users ? [`auth: { htpasswd: { realm: skiff-test, path: ${htpasswd} } }`] : []),
        '',
      ].join('\n'),
    );
    let child: ChildProcess = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let exited = Promise.resolve();
    const watch = () => {
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    };
    watch();
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    };
    onTestFinished(stop);
    const host = `127.0.0.1:${port}`;
    const ready = async () => {
      for (let wait = 0; wait < 100 && child.exitCode === null; wait++) {
        const ok = await fetch(`http://${host}/v2/`).then((response) => response.ok || response.status === 401, () => false);
        if (ok) return true;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return false;
    };
    if (await ready()) {
      return {
        host,
        storage,
        blobPath: (digest) => join(storage, 'docker/registry/v2/blobs/sha256', digest.slice(7, 9), digest.slice(7), 'data'),
        stop,
        async restart() {
          child.kill('SIGKILL');
          await exited;
          child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
          watch();
          if (!(await ready())) throw new Error(`docker-registry did not start again on ${host}: ${stderr}`);
        },
      };
    }
    await stop();
    if (attempt >= 2) throw new Error(`docker-registry did not start on ${host}: ${stderr}`);
  }
}

/** Layer entries for a runnable root: `bin/busybox` (the host's static one) and `bin/TOOL` links to it. */
export function busyboxEntries(tools: string[]): FixtureEntry[] {
  return [
    { path: 'bin/', type: 'dir' },
    { path: 'bin/busybox', content: readFileSync('/bin/busybox'), mode: 0o755 },
    ...tools.map((tool) => ({ path: `bin/${tool}`, type: 'symlink' as const, linkpath: 'busybox' })),
  ];
}

export interface LayerSpec {
  entries: FixtureEntry[];
  compression?: 'gzip' | 'zstd' | 'none';
}

export interface ImageSpec {
  layers: LayerSpec[];
  architecture?: string;
  variant?: string;
  config?: Record<string, unknown>;
  /** The config's history entries (created_by, empty_layer, ...). */
  history?: Record<string, unknown>[];
}

export interface BuiltImage {
  manifest: { digest: string; size: number; bytes: Buffer };
  config: { digest: string; bytes: Buffer };
  layers: { digest: string; diffId: string; size: number; mediaType: string }[];
}

const LAYER_TYPES = { gzip: 'application/vnd.oci.image.layer.v1.tar+gzip', zstd: 'application/vnd.oci.image.layer.v1.tar+zstd', none: 'application/vnd.oci.image.layer.v1.tar' };

/** An OCI image layout under `dir`, building it up image by image; `tag` names an image or an index of several. */
export function ociLayout(dir: string) {
  mkdirSync(join(dir, 'blobs/sha256'), { recursive: true });
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const refs: Record<string, unknown>[] = [];
  const blob = (bytes: Buffer | string) => {
    const digest = sha256(bytes);
    writeFileSync(join(dir, 'blobs/sha256', digest.slice(7)), bytes);
    return { digest, size: Buffer.byteLength(bytes) };
  };
  const image = (spec: ImageSpec): BuiltImage => {
    const layers = spec.layers.map((layer) => {
      const tar = buildTar(layer.entries);
      const compression = layer.compression ?? 'gzip';
      const bytes = compression === 'gzip' ? gzipSync(tar) : compression === 'zstd' ? spawnSync('zstd', ['-q', '-c'], { input: tar, maxBuffer: 1 << 30 }).stdout : tar;
      return { ...blob(bytes), diffId: sha256(tar), mediaType: LAYER_TYPES[compression] };
    });
    const configBytes = Buffer.from(
      JSON.stringify({
        architecture: spec.architecture ?? 'amd64',
        ...(spec.variant ? { variant: spec.variant } : {}),
        os: 'linux',
        created: '2024-01-01T00:00:00Z',
        config: spec.config ?? { Env: ['PATH=/usr/bin:/bin'], Cmd: ['sh'] },
        rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
        ...(spec.history ? { history: spec.history } : {}),
      }),
    );
    const config = blob(configBytes);
    const manifestBytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: layers.map((layer) => ({ mediaType: layer.mediaType, digest: layer.digest, size: layer.size })),
      }),
    );
    return { manifest: { ...blob(manifestBytes), bytes: manifestBytes }, config: { digest: config.digest, bytes: configBytes }, layers };
  };
  const save = () =>
    writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: refs }));
  return {
    dir,
    image,
    /** Names one image manifest as `tag`. */
    tag(tag: string, built: BuiltImage) {
      refs.push({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: built.manifest.digest, size: built.manifest.size, annotations: { 'org.opencontainers.image.ref.name': tag } });
      save();
    },
    /** Names an index of `images` (each with its platform) as `tag`; returns the index digest. */
    tagIndex(tag: string, images: { built: BuiltImage; platform: Record<string, string> }[]): string {
      const bytes = JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: images.map(({ built, platform }) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: built.manifest.digest, size: built.manifest.size, platform })),
      });
      const index = blob(bytes);
      refs.push({ mediaType: 'application/vnd.oci.image.index.v1+json', ...index, annotations: { 'org.opencontainers.image.ref.name': tag } });
      save();
      return index.digest;
    },
  };
}

/** `skopeo copy` of `layout:tag` to `host/repository:tag`, OCI or Docker v2s2; `all` copies every platform of an index. */
export function push(layout: string, tag: string, destination: string, options: { format?: 'oci' | 'v2s2'; all?: boolean; creds?: string } = {}): void {
  const policy = join(layout, '..', 'policy.json');
  writeFileSync(policy, '{"default":[{"type":"insecureAcceptAnything"}]}');
  const args = ['copy', '--quiet', '--policy', policy, '--dest-tls-verify=false'];
  if (!options.format) args.push('--preserve-digests');
  if (options.format) args.push('--format', options.format);
  if (options.all) args.push('--all');
  if (options.creds) args.push('--dest-creds', options.creds);
  const result = spawnSync('skopeo', [...args, `oci:${layout}:${tag}`, `docker://${destination}`], { encoding: 'utf8', env: { ...process.env, HOME: join(layout, '..') } });
  if (result.status !== 0) throw new Error(`skopeo copy failed: ${result.stderr}`);
}
