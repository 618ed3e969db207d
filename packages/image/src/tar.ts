/**
 * Safe extraction of an image tarball (plain or gzip) into an empty layer directory.
 *
 * The archive is checked entry by entry, in order, before each entry is written, and the whole import is
 * refused (INVALID_ARGUMENT naming the entry) at the first entry that could write outside the layer:
 * - an absolute path, or a '..' component;
 * - a path that passes through a symlink declared earlier in the archive (`link -> /etc`, then `link/passwd`);
 *   the layer dir starts empty, so the archive's own symlinks are the only ones that can be on the way;
 * - a hardlink whose target is absolute, has '..', passes through a symlink, or is not an earlier file of the
 *   archive (link(2) follows symlinks in the target's directories, so `link/passwd` would link the host's file).
 * Symlink *targets* are kept verbatim (`/bin/sh -> busybox`, `/etc/mtab -> /proc/mounts`): they are only ever
 * followed inside the container, where '/' is the container's root. (node-tar's own path protection rewrites
 * absolute symlink targets to relative ones, which breaks root filesystems, so it is replaced by these checks.)
 *
 * Modes (setuid, sticky and directory modes included), ownership (when root; symlinks too) and times are
 * preserved. Device nodes and FIFOs are skipped (Node cannot create them; the runtime provides /dev), unless
 * the caller collects them (`nodes`) for the native helper, as it does OCI whiteouts (`whiteouts`): a
 * `.wh.NAME` entry becomes a whiteout of NAME, `.wh..wh..opq` marks its directory opaque. Collected entries
 * pass the same path checks first, and are handed to `special` before modes and times are put back.
 */
import { chmod, lchown, lstat, utimes } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import { extract, type ReadEntry } from 'tar';
import { SkiffError, invalidArgument } from '@skiff/plugin';

export interface ExtractResult {
  /** Entries written. */
  entries: number;
  /** Archive paths of entries that were skipped (device nodes, FIFOs). */
  skipped: string[];
}

/** A device node or FIFO the caller creates itself (Node cannot mknod). */
export interface NodeEntry {
  path: string;
  /** File type and permission bits, as stat's st_mode. */
  mode: number;
  major: number;
  minor: number;
  uid: number;
  gid: number;
}

/** What `extractLayer` collected instead of writing: paths relative to the layer, already checked. */
export interface SpecialEntries {
  /** Paths to hide: each was announced by a `.wh.NAME` entry. */
  whiteouts: string[];
  /** Directories whose lower content is hidden (`.wh..wh..opq`). */
  opaques: string[];
  nodes: NodeEntry[];
}

export interface ExtractOptions {
  /** Names the archive in messages (default: the file path). */
  label?: string;
  /** Collect OCI whiteouts instead of writing `.wh.` files. */
  whiteouts?: boolean;
  /** Collect device nodes and FIFOs instead of skipping them. */
  nodes?: boolean;
  /** Called after the files are written and before modes and times are put back, with what was collected. */
  special?: (entries: SpecialEntries) => Promise<void>;
}

type Kind = 'directory' | 'file' | 'symlink';

interface Fixup {
  kind: Kind;
  mode: number | undefined;
  uid: number | undefined;
  gid: number | undefined;
  atime: Date | undefined;
  mtime: Date | undefined;
}

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
const SKIPPED_TYPES = new Set(['CharacterDevice', 'BlockDevice', 'FIFO']);

/** Splits an archive path into components, or returns why it is unsafe. */
function components(raw: string, what: string): string[] | string {
  if (raw.includes('\0')) return `${what} contains a NUL byte`;
  if (raw.startsWith('/')) return `${what} is absolute`;
  const parts = raw.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..')) return `${what} has a '..' component`;
  return parts;
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';
const NODE_TYPES: Record<string, number> = { CharacterDevice: 0o020000, BlockDevice: 0o060000, FIFO: 0o010000 };

/** Extracts a tar (file path, or a stream of its uncompressed bytes) into `dest`, an empty directory. */
export async function extractLayer(source: string | Readable, dest: string, options: ExtractOptions = {}): Promise<ExtractResult> {
  const tarball = options.label ?? (typeof source === 'string' ? source : 'the layer');
  const special: SpecialEntries = { whiteouts: [], opaques: [], nodes: [] };
  const symlinks = new Set<string>(); // archive paths that are (or once were) symlinks
  const linkable = new Map<string, 'file' | 'symlink'>(); // earlier non-directory entries: hardlink targets
  const fixups = new Map<string, Fixup>();
  const skipped: string[] = [];
  const entryErrors: string[] = [];
  let refusal: string | undefined;
  let entries = 0;

  const throughSymlink = (parts: string[]) => {
    for (let length = 1; length < parts.length; length++) {
      const prefix = parts.slice(0, length).join('/');
      if (symlinks.has(prefix)) return prefix;
    }
    return undefined;
  };

  const check = (entry: ReadEntry): string | undefined => {
    const raw = entry.path;
    const name = JSON.stringify(raw);
    const parts = components(raw, `entry ${name}`);
    if (typeof parts === 'string') return parts;
    const path = parts.join('/');
    const via = throughSymlink(parts);
    if (via !== undefined) return `entry ${name} passes through the symlink ${JSON.stringify(via)}`;
    if (path === '' && entry.type !== 'Directory') return `entry ${name} would replace the layer's root with a ${entry.type}`;

    const base = parts.at(-1) ?? '';
    if (options.whiteouts && base.startsWith(WHITEOUT)) {
      if (path.includes('\n')) return `entry ${name} has a newline in its path`;
      const parent = parts.slice(0, -1).join('/');
      if (base === OPAQUE) special.opaques.push(parent === '' ? '.' : parent);
      else if (base.startsWith(`${WHITEOUT}${WHITEOUT}`)) skipped.push(path); // aufs metadata (.wh..wh.plnk, ...)
      else {
        const hidden = base.slice(WHITEOUT.length);
        if (hidden === '' || hidden === '.' || hidden === '..') return `whiteout ${name} names no file`;
        special.whiteouts.push(parent === '' ? hidden : `${parent}/${hidden}`);
      }
      return 'skip';
    }
    if (SKIPPED_TYPES.has(entry.type)) {
      if (!options.nodes) {
        skipped.push(path);
        return 'skip';
      }
      if (path.includes('\n')) return `entry ${name} has a newline in its path`;
      const device = entry as ReadEntry & { devmaj?: number; devmin?: number };
      special.nodes.push({ path, mode: NODE_TYPES[entry.type]! | ((entry.mode ?? 0o644) & 0o7777), major: device.devmaj ?? 0, minor: device.devmin ?? 0, uid: entry.uid ?? 0, gid: entry.gid ?? 0 });
      linkable.delete(path);
      fixups.delete(path);
      return 'skip';
    }
    const fixup = (kind: Kind): Fixup => ({
      kind,
      mode: entry.mode === undefined ? undefined : entry.mode & 0o7777,
      uid: entry.uid,
      gid: entry.gid,
      atime: entry.atime,
      mtime: entry.mtime,
    });
    if (entry.type === 'Directory' || entry.type === 'GNUDumpDir') {
      linkable.delete(path);
      fixups.set(path, fixup('directory'));
    } else if (FILE_TYPES.has(entry.type)) {
      linkable.set(path, 'file');
      fixups.set(path, fixup('file'));
    } else if (entry.type === 'SymbolicLink') {
      if (!entry.linkpath || entry.linkpath.includes('\0')) return `symlink ${name} has an empty or invalid target`;
      symlinks.add(path);
      linkable.set(path, 'symlink');
      fixups.set(path, fixup('symlink'));
    } else if (entry.type === 'Link') {
      const target = components(entry.linkpath ?? '', `hardlink ${name} target ${JSON.stringify(entry.linkpath ?? '')}`);
      if (typeof target === 'string') return target;
      const targetVia = throughSymlink(target);
      if (targetVia !== undefined) return `hardlink ${name} target ${JSON.stringify(entry.linkpath)} passes through the symlink ${JSON.stringify(targetVia)}`;
      const targetPath = target.join('/');
      const targetKind = linkable.get(targetPath);
      if (targetKind === undefined) return `hardlink ${name} points to ${JSON.stringify(entry.linkpath)}, which is not an earlier file in the archive`;
      // A hardlink to a symlink is another symlink (link(2) does not follow the last component).
      if (targetKind === 'symlink') symlinks.add(path);
      linkable.set(path, targetKind);
      fixups.delete(path); // the inode's mode and owner come with the target
      entry.linkpath = targetPath;
    } else {
      return `entry ${name} has the unsupported type ${entry.type}`;
    }
    // node-tar unpacks relative to dest exactly the path we checked.
    entry.path = path === '' ? '.' : path;
    return undefined;
  };

  const settings = {
    cwd: dest,
    // Our checks above replace node-tar's path rewriting (see the file comment); every entry passes them first.
    preservePaths: true,
    preserveOwner: process.getuid?.() === 0,
    strict: false,
    filter: (_path: string, entry: unknown) => {
      if (refusal !== undefined) return false;
      const problem = check(entry as ReadEntry);
      if (problem === 'skip') return false;
      if (problem !== undefined) {
        refusal = problem;
        return false;
      }
      entries++;
      return true;
    },
    onwarn: (code: string, message: unknown, data: unknown) => {
      if (code === 'TAR_ENTRY_ERROR' || code === 'TAR_ENTRY_UNSUPPORTED') {
        const entry = (data as { entry?: { path?: string } }).entry;
        entryErrors.push(`${entry?.path ?? 'an entry'}: ${String(message)}`);
      }
    },
  };
  try {
    if (typeof source === 'string') await extract({ ...settings, file: source });
    else await fromStream(source, extract(settings) as unknown as NodeJS.WritableStream);
  } catch (error) {
    if (SkiffError.isInstance(error)) throw error;
    throw invalidArgument(`cannot read ${tarball} as a tar archive: ${(error as Error).message}`, { cause: error });
  }
  if (refusal !== undefined) throw invalidArgument(`refusing to import ${tarball}: ${refusal}; nothing was imported`);
  if (entryErrors.length > 0) throw invalidArgument(`cannot import ${tarball}: ${entryErrors[0]}`);
  const collected = special.whiteouts.length + special.opaques.length + special.nodes.length;
  if (entries === 0 && skipped.length === 0 && collected === 0) throw invalidArgument(`cannot import ${tarball}: it has no entries (is it a tar archive?)`);
  if (collected > 0) await options.special?.(special);
  await applyFixups(dest, fixups);
  return { entries, skipped };
}

/**
 * node-tar masks modes with the umask, forces u+rwx on directories, loses setuid bits when it chowns, and does
 * not chown symlinks. Put back what the archive says. Paths are ones `check` accepted, so no symlink lies on
 * the way; lstat makes sure the last component is still the kind the archive declared.
 */
async function applyFixups(dest: string, fixups: Map<string, Fixup>): Promise<void> {
  const root = process.getuid?.() === 0;
  const directories: [string, Fixup][] = [];
  for (const [path, fixup] of fixups) {
    const absolute = join(dest, path);
    const info = await lstat(absolute).catch(() => undefined);
    if (!info) continue;
    if (fixup.kind === 'symlink') {
      if (root && info.isSymbolicLink() && fixup.uid !== undefined && fixup.gid !== undefined) await lchown(absolute, fixup.uid, fixup.gid);
      continue;
    }
    if (fixup.kind === 'file' ? !info.isFile() : !info.isDirectory()) continue;
    if (fixup.mode !== undefined) await chmod(absolute, fixup.mode);
    if (fixup.kind === 'directory') directories.push([absolute, fixup]);
  }
  // Directory times last, deepest first: creating entries inside a directory changes its mtime.
  for (const [absolute, fixup] of directories.reverse()) {
    if (fixup.mtime) await utimes(absolute, fixup.atime ?? fixup.mtime, fixup.mtime);
  }
}

/** Feeds a stream into node-tar's unpacker and waits until every entry is on disk (or either side fails). */
function fromStream(source: Readable, unpack: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const fail = (error: unknown) => {
      if (done) return;
      done = true;
      source.destroy();
      reject(error);
    };
    source.once('error', fail);
    unpack.once('error', fail);
    unpack.once('close', () => {
      if (done) return;
      done = true;
      resolve();
    });
    source.pipe(unpack);
  });
}
