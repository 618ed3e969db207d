/**
 * An example third-party skiff plugin: a `tmpfs` named-volume driver (contract v2). It depends only on
 * `@skiff/plugin`.
 *
 *   skiff --plugin skiff-volume-tmpfs volume create -d tmpfs -o size=16m scratch
 *   skiff --plugin skiff-volume-tmpfs run -v scratch:/scratch:driver=tmpfs,size=16m busybox df /scratch
 *
 * A volume is a name and its options, kept as `<driver root>/NAME.json` ({"createdAt", "options"}, written
 * atomically under the name's lock). Each mount is a fresh tmpfs: the contents live in memory and vanish with
 * the container, by design. Options (at create): size (default 64m), mode (default 1777).
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, posix } from 'node:path';
import {
  SkiffError,
  checkVolumeName,
  definePlugin,
  invalidArgument,
  kernelHasFilesystem,
  notFound,
  withLock,
  writeJsonAtomic,
  type DriverContext,
  type VolumeDriverV2,
  type VolumeInfo,
} from '@skiff/plugin';

const OPTION = /^[0-9]+[kmg%]?$/i;

interface Stored {
  createdAt: string;
  options: Record<string, string>;
}

function checkOptions(options: Record<string, string>): Record<string, string> {
  const unknown = Object.keys(options).filter((key) => key !== 'size' && key !== 'mode');
  if (unknown.length) throw invalidArgument(`tmpfs volume: unknown option "${unknown[0]}" (known: size, mode)`);
  if (options.size !== undefined && !OPTION.test(options.size)) throw invalidArgument(`tmpfs volume: invalid size "${options.size}" (examples: 16m, 1g, 50%)`);
  if (options.mode !== undefined && !/^[0-7]{3,4}$/.test(options.mode)) throw invalidArgument(`tmpfs volume: invalid mode "${options.mode}" (octal, e.g. 1777)`);
  return { ...options };
}

function createTmpfsDriver(context: DriverContext): VolumeDriverV2 {
  const file = (name: string) => join(context.root, `${checkVolumeName(name)}.json`);
  const read = (name: string): VolumeInfo | undefined => {
    let stored: Stored;
    try {
      stored = JSON.parse(readFileSync(file(name), 'utf8')) as Stored;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return { name, mountpoint: '', options: stored.options, createdAt: stored.createdAt };
  };

  return {
    specificationVersion: 'v2',
    name: 'tmpfs',
    capabilities: () => ({ scope: 'local' }),

    async create(request) {
      const name = checkVolumeName(request.name);
      const options = checkOptions(request.options);
      return withLock(join(context.runRoot, 'locks', `tmpfs-volume-${name}`), async () => {
        const existing = read(name);
        if (existing) {
          if (JSON.stringify(existing.options) !== JSON.stringify(options)) throw new SkiffError('ALREADY_EXISTS', `tmpfs volume ${name} already exists with other options`);
          return existing;
        }
        await writeJsonAtomic(file(name), { createdAt: new Date().toISOString(), options } satisfies Stored);
        return read(name)!;
      });
    },

    async remove(name) {
      rmSync(file(name), { force: true });
    },

    async inspect(name) {
      return read(name);
    },

    async list() {
      let entries: string[];
      try {
        entries = readdirSync(context.root);
      } catch {
        return [];
      }
      return entries.filter((entry) => entry.endsWith('.json') && !entry.startsWith('.')).flatMap((entry) => read(entry.slice(0, -'.json'.length)) ?? []);
    },

    async mount(request) {
      const name = checkVolumeName(request.source);
      const target = request.target;
      if (!posix.isAbsolute(target) || target.split('/').includes('..') || posix.normalize(target) === '/') {
        throw invalidArgument(`tmpfs volume: container path ${JSON.stringify(target)} must be absolute, without '..', and not /`);
      }
      const unknown = Object.keys(request.options);
      if (unknown.length) throw invalidArgument(`tmpfs volume: unknown mount option "${unknown[0]}" (options belong to volume create -o)`);
      const volume = read(name);
      if (!volume) throw notFound(`no such volume: ${name}`);
      const size = volume.options.size ?? '64m';
      const mode = volume.options.mode ?? '1777';
      return [{ type: 'tmpfs', source: 'tmpfs', target, options: ['nosuid', 'nodev', ...(request.readOnly ? ['ro'] : []), `size=${size}`, `mode=${mode}`] }];
    },

    async unmount() {
      // Nothing to release: the tmpfs lives in the container's mount namespace and dies with it.
    },
  };
}

export default definePlugin({
  name: 'skiff-volume-tmpfs',
  drivers: [
    {
      kind: 'volume',
      name: 'tmpfs',
      async probe() {
        return (await kernelHasFilesystem('tmpfs')) ? { supported: true } : { supported: false, reason: 'tmpfs is not in /proc/filesystems' };
      },
      create: createTmpfsDriver,
    },
  ],
});
