/**
 * docker cp's container side: tar archives read from and extracted into a running container by the container's
 * own `tar`, run inside it (exec: its mount namespace and root), so every path and symlink resolves within the
 * container's root, whatever it swaps in meanwhile; nothing of an archive is ever written on the host here.
 * Used by `skiff cp` and by the Docker API's /containers/{id}/archive.
 */
import { posix } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SkiffError } from '@skiff/plugin';
import type { Attachment } from './attach.js';
import type { ExecOptions } from './exec.js';

/** The one call these need: a piped exec. */
export interface Execer {
  exec(reference: string, options: ExecOptions & { stdio: 'pipe' }): Promise<Attachment>;
}

/** tar runs as root on the container's side, as docker's daemon copies: it reads and writes whatever is there. */
const ROOT = { user: '0', group: '0' };

/** docker's container path stat (the X-Docker-Container-Path-Stat header, `docker cp`'s checks). */
export interface PathStat {
  name: string;
  size: number;
  /** Go's os.FileMode bits: permissions, plus 1<<31 directory, 1<<27 symlink, ... */
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** Where a copy reads from: the directory tar runs in, and the one name it archives (`.` for a `/.` source). */
export function sourceParts(path: string): { dir: string; name: string; contents: boolean } {
  const contents = path === '/' || path.endsWith('/.') || path.endsWith('/./');
  const clean = path.replace(/\/+$/, '') || '/';
  if (contents) return { dir: clean.replace(/\/\.$/, '') || '/', name: '.', contents };
  return { dir: posix.dirname(clean), name: posix.basename(clean), contents };
}

/**
 * Runs `args` in the container with stdin/stdout piped. Its failure (first stderr line) wins over the failure of
 * what read its output (an empty archive, say).
 */
export async function tarInContainer(runtime: Execer, container: string, args: string[], stdin: Readable | undefined, stdout: (out: Readable) => Promise<void>): Promise<void> {
  const attached = await runtime.exec(container, { args, stdio: 'pipe', interactive: stdin !== undefined, user: ROOT });
  const errors: Buffer[] = [];
  attached.stderr.on('data', (chunk: Buffer) => errors.push(chunk));
  const feeding = stdin ? pipeline(stdin, attached.stdin).catch(() => {}) : (attached.stdin.end(), Promise.resolve());
  const [code, reading] = await Promise.all([attached.exit, stdout(attached.stdout).then(() => undefined, (error: unknown) => error ?? new Error('read failed')), feeding]);
  if (code !== 0) {
    // busybox tar warns first (`removing leading '/' from member names`): the error is the first other line.
    const lines = Buffer.concat(errors).toString().split('\n').filter((text) => text.trim());
    const line = lines.find((text) => !/removing leading/.test(text)) ?? lines[0] ?? `exit ${code}`;
    // eslint-disable-next-line no-control-regex
    throw Object.assign(new SkiffError('FAILED_PRECONDITION', line.replace(/[\x00-\x1f\x7f]/g, ' ')), { exitCode: 1 });
  }
  if (reading) throw reading;
}

/** A command's stdout in the container (as root); undefined when it fails. */
async function output(runtime: Execer, container: string, args: string[]): Promise<string | undefined> {
  const attached = await runtime.exec(container, { args, user: ROOT, stdio: 'pipe' });
  attached.stdin.end();
  attached.stderr.resume();
  const chunks: Buffer[] = [];
  attached.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  const code = await attached.exit;
  return code === 0 ? Buffer.concat(chunks).toString() : undefined;
}

/** Whether `path` is a directory in the container (test -d there, resolving inside its root). */
export async function isContainerDir(runtime: Execer, container: string, path: string): Promise<boolean> {
  return (await output(runtime, container, ['test', '-d', path])) !== undefined;
}

const S_IFMT = 0o170000;
/** st_mode's file type → Go's os.FileMode type bits. */
const GO_TYPE: Record<number, number> = { 0o040000: 2 ** 31, 0o120000: 1 << 27, 0o060000: 1 << 26, 0o020000: (1 << 26) | (1 << 21), 0o010000: 1 << 25, 0o140000: 1 << 24 };

/** st_mode as Go's os.FileMode (what docker's PathStat carries). */
export function goFileMode(mode: number): number {
  const special = (mode & 0o4000 ? 1 << 23 : 0) | (mode & 0o2000 ? 1 << 22 : 0) | (mode & 0o1000 ? 1 << 20 : 0);
  return (GO_TYPE[mode & S_IFMT] ?? 0) + special + (mode & 0o777);
}

/** lstat (`follow`: stat) of `path` in the container (its own `stat`, inside its root); undefined when it does not exist. */
export async function statInContainer(runtime: Execer, container: string, path: string, options: { follow?: boolean } = {}): Promise<PathStat | undefined> {
  const text = await output(runtime, container, ['stat', ...(options.follow ? ['-L'] : []), '-c', '%f %s %Y', '--', path]);
  const found = text && /^([0-9a-f]+) (\d+) (\d+)/.exec(text.trim());
  if (!found) return undefined;
  const mode = parseInt(found[1]!, 16);
  const linkTarget = (mode & S_IFMT) === 0o120000 ? ((await output(runtime, container, ['readlink', '--', path])) ?? '').replace(/\n$/, '') : '';
  return {
    name: posix.basename(path.replace(/\/+$/, '')) || '/',
    size: Number(found[2]),
    mode: goFileMode(mode),
    mtime: new Date(Number(found[3]) * 1000).toISOString(),
    linkTarget,
  };
}

/** `path` in the container as a tar stream to `out` (named by its last component; a `/.` path: its contents). */
export function archiveFromContainer(runtime: Execer, container: string, path: string, out: Writable, options: { follow?: boolean } = {}): Promise<void> {
  const { dir, name } = sourceParts(path);
  return tarInContainer(runtime, container, ['tar', '-c', ...(options.follow ? ['-h'] : []), '-f', '-', '-C', dir, name], undefined, (stream) => pipeline(stream, out, { end: false }));
}

/** Extracts the tar stream `input` into the container's directory `dir`; `keepOwners`: the archive's uid/gid (else root's). */
export function extractIntoContainer(runtime: Execer, container: string, dir: string, input: Readable, options: { keepOwners?: boolean } = {}): Promise<void> {
  return tarInContainer(runtime, container, ['tar', '-x', ...(options.keepOwners ? [] : ['-o']), '-f', '-', '-C', dir], input, async (out) => void out.resume());
}
