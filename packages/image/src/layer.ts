/**
 * Unpacking a pulled layer blob: decompress (gzip, zstd or none), hash the uncompressed bytes as they pass (the
 * layer's diff id, checked against the image config's rootfs.diff_ids), extract with the import safety rules
 * (tar.ts), and let the native helper make what Node cannot: overlay whiteouts (char 0/0), opaque directories
 * (trusted.overlay.opaque=y) and device nodes. The layer is built in a staging dir; the caller publishes it only
 * when this resolves.
 *
 * zstd: Node 22.15+/24 and Bun have zlib's zstd; on Node 20 `zstd -dc` runs as a child (apt package zstd).
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Transform } from 'node:stream';
import { SkiffError, invalidArgument, notSupported } from '@skiff/plugin';
import { crypto } from './files.js';
import { digestMismatch } from './registry/digest.js';
import type { Compression } from './registry/media-types.js';
import { extractLayer, type SpecialEntries } from './tar.js';
import { createXattrScanner } from './pax-xattrs.js';

export interface UnpackLayerOptions {
  blob: string;
  compression: Compression;
  /** `sha256:…` the uncompressed tar must hash to. */
  diffId: string;
  dest: string;
  /** The native helper (`skiff-helper unpack`). */
  helper: string;
  /** Names the layer in messages. */
  label: string;
}

/** Loaded on first use: `skiff run` of a present image needs neither (in Bun each costs milliseconds to load). */
const streams = () => Promise.all([import('node:stream'), import('node:zlib')]);
type Modules = Awaited<ReturnType<typeof streams>>;

export async function unpackLayer(options: UnpackLayerOptions): Promise<void> {
  const modules = await streams();
  const { Transform } = modules[0];
  const { stream, done } = decompress(modules, createReadStream(options.blob), options.compression, options.label);
  const hash = crypto().createHash('sha256');
  const xattrs = createXattrScanner();
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      xattrs.push(chunk);
      callback(null, chunk);
    },
  });
  stream.on('error', (error) => hashing.destroy(error));
  await extractLayer(stream.pipe(hashing), options.dest, {
    label: options.label,
    whiteouts: true,
    nodes: process.getuid?.() === 0,
    special: (entries) => runHelper(options.helper, options.dest, entries, options.label),
  });
  // extractLayer resolves once the unpacker has taken the whole stream (trailing padding too): the hash is complete.
  await done;
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== options.diffId) throw digestMismatch(`${options.label} (uncompressed, against the config's rootfs.diff_ids)`, options.diffId, actual);
  // After extraction has set owners and modes: a chown would clear security.capability again.
  const lines: string[] = [];
  for (const [path, values] of xattrs.result()) {
    if (path.includes('\n') || !(await lstat(join(options.dest, path)).catch(() => undefined))?.isFile()) continue;
    for (const [name, value] of values) lines.push(`x ${name} ${value.toString('hex')} ${path}`);
  }
  if (lines.length > 0 && process.getuid?.() === 0) await runHelperLines(options.helper, options.dest, lines, options.label);
}

/** The uncompressed bytes of a layer blob (for the exporter); `done` settles when a zstd child has exited. */
export async function decompressLayer(source: Readable, compression: Compression, label: string): Promise<{ stream: Readable; done: Promise<void> }> {
  return decompress(await streams(), source, compression, label);
}

function decompress([{ PassThrough }, zlib]: Modules, source: Readable, compression: Compression, label: string): { stream: Readable; done: Promise<void> } {
  if (compression === 'none') return { stream: source, done: Promise.resolve() };
  if (compression === 'gzip') return { stream: source.pipe(zlib.createGunzip()).on('error', () => source.destroy()), done: Promise.resolve() };
  const native = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress;
  if (native) return { stream: source.pipe(native()).on('error', () => source.destroy()), done: Promise.resolve() };
  const child = spawn('zstd', ['-dc', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const out = new PassThrough();
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (error) => {
      const failure =
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? notSupported(`${label} is zstd-compressed and this runtime has no zstd: install the zstd package (apt-get install zstd) or run skiff on Node 22.15+`)
          : error;
      out.destroy(failure);
      reject(failure);
    });
    child.once('close', (code) => {
      if (code === 0) return resolve();
      const failure = invalidArgument(`${label} is not valid zstd data: ${stderr.trim().split('\n').at(-1) ?? `zstd exited ${code}`}`);
      out.destroy(failure);
      reject(failure);
    });
  });
  done.catch(() => undefined);
  source.pipe(child.stdin).on('error', () => undefined);
  child.stdout.pipe(out);
  return { stream: out, done };
}

/** `skiff-helper unpack DIR` with one operation per line (see packages/native/c/unpack.c). */
function runHelper(helper: string, dest: string, entries: SpecialEntries, label: string): Promise<void> {
  const lines = [
    ...entries.whiteouts.map((path) => `w ${path}`),
    ...entries.opaques.map((path) => `o ${path}`),
    ...entries.nodes.map((node) => `n ${node.mode.toString(8)} ${node.major} ${node.minor} ${node.uid} ${node.gid} ${node.path}`),
  ];
  return runHelperLines(helper, dest, lines, label);
}

function runHelperLines(helper: string, dest: string, lines: string[], label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(helper, ['unpack', dest], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', (error) => reject(new SkiffError('INTERNAL', `cannot run the native helper ${helper}: ${error.message}`, { cause: error })));
    child.once('close', (code) => {
      if (code === 0) return resolve();
      const why = stderr.trim().split('\n').at(-1)?.replace(/^skiff: /, '') ?? `exit ${code}`;
      reject(invalidArgument(`cannot unpack ${label}: ${why}; nothing was stored`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(lines.map((line) => `${line}\n`).join(''));
  });
}
