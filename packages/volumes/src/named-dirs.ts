/**
 * One directory per named volume, the store the built-in v2 drivers share:
 *
 *   <dir>/NAME/opts.json   {"createdAt": ISO time, "options": {...}}: written inside the staging dir, before rename
 *   <dir>/NAME/<data>/     what the driver keeps (local: _data; overlay: upper), made by the driver's `fill`
 *   <dir>/.staging/NAME.*  a create in progress: made complete, then renamed to NAME in one step, so a process
 *                          killed during create leaves a working volume or a staging dir (removed by the next
 *                          create of that name, which holds the name's lock, so the owner is dead)
 *   <dir>/.trash/NAME.*    a remove in progress: renamed away first, so the name is free at once, then deleted
 *
 * Every directory is 0700 unless `fill` makes it otherwise; calls for one name hold that name's lock.
 */
import { closeSync, constants, fchmodSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SkiffError, checkVolumeName, randomHex, removeTree, withLock, writeJsonAtomic } from '@skiff/plugin';

export interface StoredVolume {
  createdAt: string;
  options: Record<string, string>;
}

export interface NamedDirs {
  /** The volume's directory (whether or not it exists); the name is checked. */
  dirOf(name: string): string;
  read(name: string): StoredVolume | undefined;
  /** The stored volume, made (with `fill(dir)` in its staging dir) when there is none. ALREADY_EXISTS for other options. */
  create(name: string, options: Record<string, string>, fill: (dir: string) => void): Promise<StoredVolume>;
  remove(name: string): Promise<void>;
  names(): string[];
}

/** mkdir that sets exactly `mode` whatever the umask; the directory must be new. */
export function mkdirExact(path: string, mode: number): void {
  mkdirSync(path, { mode: 0o700 });
  const fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    fchmodSync(fd, mode);
  } finally {
    closeSync(fd);
  }
}

export function createNamedDirs(root: string, runRoot: string, driver: string): NamedDirs {
  const dirOf = (name: string) => join(root, checkVolumeName(name));
  const lock = <T>(name: string, action: () => Promise<T>) => withLock(join(runRoot, 'locks', `volume-${driver}`, name), action, { what: `volume ${name}` });

  function read(name: string): StoredVolume | undefined {
    try {
      return JSON.parse(readFileSync(join(dirOf(name), 'opts.json'), 'utf8')) as StoredVolume;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw error;
    }
  }

  function sweep(dir: string, prefix: string): void {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const entry of entries) if (entry.startsWith(prefix)) rmSync(join(dir, entry), { recursive: true, force: true });
  }

  return {
    dirOf,
    read,
    async create(name, options, fill) {
      return lock(name, async () => {
        const existing = read(name);
        if (existing) {
          if (JSON.stringify(existing.options) !== JSON.stringify(options)) throw new SkiffError('ALREADY_EXISTS', `volume ${name} already exists with other options`);
          return existing;
        }
        const staging = join(root, '.staging');
        mkdirSync(staging, { recursive: true, mode: 0o700 });
        // We hold the name's lock: a staging dir of this name was left by a dead process.
        sweep(staging, `${name}.`);
        // A NAME without opts.json cannot come from a rename of ours: it is debris (removeTree refuses a mount in it).
        await removeTree(dirOf(name));
        const temp = join(staging, `${name}.${randomHex(6)}`);
        mkdirExact(temp, 0o700);
        fill(temp);
        const stored: StoredVolume = { createdAt: new Date().toISOString(), options };
        await writeJsonAtomic(join(temp, 'opts.json'), stored);
        renameSync(temp, dirOf(name));
        return stored;
      });
    },
    async remove(name) {
      checkVolumeName(name);
      await lock(name, async () => {
        const trash = join(root, '.trash');
        mkdirSync(trash, { recursive: true, mode: 0o700 });
        const away = join(trash, `${name}.${randomHex(6)}`);
        try {
          renameSync(dirOf(name), away);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
          throw error;
        }
        await removeTree(away);
      });
    },
    names() {
      try {
        return readdirSync(root).filter((entry) => !entry.startsWith('.'));
      } catch {
        return [];
      }
    },
  };
}
