/**
 * Reading an image archive (`docker save` output, an OCI layout in a tar) without trusting it.
 *
 * The archive's own paths never become host paths: every regular file is written to `<staging>/<n>` (n counts
 * entries) and hashed while it streams, and the archive is kept as a map from its (normalised) paths to those
 * files. Symlinks and hard links are kept as aliases inside that map and followed only there, so a link can
 * name another entry of the archive and nothing else. Refused, with one line naming the entry:
 * - a path that is absolute or has a '..' component, and a link whose target leaves the archive;
 * - a metadata file (manifest.json, index.json, oci-layout, repositories) bigger than MAX_METADATA_BYTES, refused
 *   from its header, before its bytes are read.
 * Devices, FIFOs and directories are ignored: an image archive needs only files.
 */
import { createWriteStream } from 'node:fs';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { invalidArgument } from '@skiff/plugin';
import { crypto } from '../files.js';

/** manifest.json, index.json and the like are small; docker's own are a few KiB. */
export const MAX_METADATA_BYTES = 8 * 1024 * 1024;
export const METADATA_FILES = new Set(['manifest.json', 'index.json', 'oci-layout', 'repositories']);

export interface StagedFile {
  /** Where its bytes are on the host. */
  path: string;
  /** `sha256:<hex>` of its bytes. */
  digest: string;
  size: number;
}

export interface StagedArchive {
  /** Names the archive in messages. */
  label: string;
  /** The regular file at archive path `name`, links followed inside the archive; undefined when there is none. */
  file(name: string): StagedFile | undefined;
  /** Whether `name` is itself a link entry (a symlink or a hard link). */
  isLink(name: string): boolean;
}

/** `./a//b/` -> `a/b`; a string saying why when the path is unsafe. */
export function archivePath(raw: string): string | { unsafe: string } {
  if (raw.includes('\0')) return { unsafe: 'has a NUL byte' };
  if (raw.startsWith('/')) return { unsafe: 'is absolute' };
  const parts = raw.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) return { unsafe: "has a '..' component" };
  return parts.join('/');
}

export async function readArchive(source: Readable, staging: string, label: string): Promise<StagedArchive> {
  const { Parser } = await import('tar');
  const files = new Map<string, StagedFile>();
  const links = new Map<string, string>();
  const writes: Promise<void>[] = [];
  let refusal: Error | undefined;
  let count = 0;
  const refuse = (why: string) => {
    refusal ??= invalidArgument(`invalid image archive ${label}: ${why}; nothing was loaded`);
  };

  const parser = new Parser({
    strict: true,
    onReadEntry: (entry) => {
      const path = archivePath(entry.path);
      if (refusal || typeof path !== 'string') {
        if (typeof path !== 'string') refuse(`the entry ${JSON.stringify(entry.path)} ${path.unsafe}`);
        entry.resume();
        return;
      }
      if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
        const raw = entry.linkpath ?? '';
        // A symlink's target is relative to its directory; a hard link's names an archive path.
        const target = entry.type === 'SymbolicLink' ? (raw.startsWith('/') ? raw : posix.join(posix.dirname(path), raw)) : raw;
        const resolved = archivePath(target);
        if (typeof resolved !== 'string' || target.startsWith('..')) refuse(`the link ${JSON.stringify(entry.path)} points outside the archive (${JSON.stringify(raw)})`);
        else {
          links.set(path, resolved);
          files.delete(path);
        }
        entry.resume();
        return;
      }
      if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {
        entry.resume();
        return;
      }
      if (METADATA_FILES.has(path) && (entry.size ?? 0) > MAX_METADATA_BYTES) {
        refuse(`${path} is ${entry.size} bytes, more than the ${MAX_METADATA_BYTES} skiff reads`);
        entry.resume();
        return;
      }
      const staged = join(staging, String(count++));
      const hash = crypto().createHash('sha256');
      let size = 0;
      const out = createWriteStream(staged, { mode: 0o600 });
      // One consumer of the entry (a 'data' listener beside a pipe would miss what was already buffered).
      writes.push(
        new Promise<void>((resolve, reject) => {
          entry.on('data', (chunk: Buffer) => {
            hash.update(chunk);
            size += chunk.length;
            if (!out.write(chunk)) entry.pause();
          });
          out.on('drain', () => entry.resume());
          entry.once('end', () => out.end());
          out.once('error', reject);
          out.once('close', () => {
            files.set(path, { path: staged, digest: `sha256:${hash.digest('hex')}`, size });
            links.delete(path);
            resolve();
          });
        }),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    parser.on('error', (error: Error) => reject(invalidArgument(`${label} is not a tar archive: ${error.message}`, { cause: error })));
    parser.once('end', () => resolve());
    source.once('error', reject);
    source.pipe(parser);
  });
  await Promise.all(writes);
  if (refusal) throw refusal;
  if (count === 0) throw invalidArgument(`${label} is not an image archive: it holds no files`);

  return {
    label,
    isLink: (name) => links.has(name),
    file(name) {
      let current = name;
      for (let hops = 0; hops < 32; hops++) {
        const found = files.get(current);
        if (found) return found;
        const next = links.get(current);
        if (next === undefined) return undefined;
        current = next;
      }
      throw invalidArgument(`invalid image archive ${label}: the links from ${JSON.stringify(name)} go round in a loop`);
    },
  };
}
