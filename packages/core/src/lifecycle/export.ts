import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Writable } from 'node:stream';
import { SkiffError } from '@skiff/plugin';
import type { ContainerRecord } from '../state/record.js';
import { files, storageDriver, type Host } from './host.js';

/**
 * Writes the container's root filesystem (image plus its changes, without volumes) as a tar stream.
 * The root mount is assembled in a private mount namespace of a short-lived `unshare` + `tar`, so it never
 * appears on the host and vanishes with that process; it works the same whether the container runs or not.
 */
export async function exportContainer(host: Host, record: ContainerRecord, output: Writable): Promise<void> {
  const storage = await storageDriver(host, record.config.storageDriver);
  const [root] = await storage.prepare(record.id, { dirs: record.config.layers });
  if (!root || root.target !== '/') throw new SkiffError('INTERNAL', `storage driver ${storage.name} returned no root mount`);
  const bind = root.type === 'bind' || root.type === 'rbind';
  const mountArgs = bind
    ? ['--rbind', root.source]
    : ['-t', root.type, ...(root.options.length ? ['-o', root.options.join(',')] : []), root.source];
  const script = 'mountpoint="$1"; shift; mount "$@" "$mountpoint" && exec tar --numeric-owner -C "$mountpoint" -cf - .';
  const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', files(host, record.id).rootfs, ...mountArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.pipe(output, { end: false });
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode, signal) => resolve(exitCode ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
  if (code !== 0) throw new SkiffError('INTERNAL', `export of ${record.name} failed: ${stderr.trim() || `exit ${code}`}`);
}
