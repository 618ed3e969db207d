/**
 * local volume driver (docker's name): named volumes in skiff's state, contract v2.
 *
 * On disk, under the driver's root (`<state root>/volumes/local`): named-dirs.ts's store, each volume's data in
 *   NAME/_data/ (0755, what containers see; unused for type=tmpfs and type=none,o=bind).
 *
 * Options (docker's local driver): none (a directory), `type=tmpfs` with `o=size=N,mode=M,uid=U,gid=G` (or the
 * shorthand `size=N`): a fresh tmpfs per mount; `type=none,o=bind,device=/host/dir`: the host directory, which
 * must exist and be a directory (not a symlink); the helper opens it without following symlinks at each start.
 */
import { lstatSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import {
  checkVolumeName,
  invalidArgument,
  notFound,
  type DriverContext,
  type Mount,
  type VolumeCreateRequest,
  type VolumeDriverFactory,
  type VolumeDriverV2,
  type VolumeInfo,
  type VolumeRequest,
} from '@skiff/plugin';
import { canonicalHostPath, normalizePath } from './checks.js';
import { createNamedDirs, mkdirExact } from './named-dirs.js';

const OPTIONS = ['type', 'o', 'device', 'size'];
const TMPFS_WORDS = /^(size=[0-9]+[kmgKMG%]?|mode=[0-7]{3,4}|uid=[0-9]+|gid=[0-9]+|nr_inodes=[0-9]+[kmgKMG]?)$/;

/** Checks docker's local options; returns them as given. */
export function checkLocalOptions(options: Record<string, string>): Record<string, string> {
  for (const key of Object.keys(options)) {
    if (!OPTIONS.includes(key)) throw invalidArgument(`local volume: unknown option "${key}" (it takes type, o, device, size)`);
  }
  const type = options.type;
  if (type === undefined) {
    if (Object.keys(options).length > 0) throw invalidArgument('local volume: options o, device and size need type=tmpfs or type=none');
  } else if (type === 'tmpfs') {
    if (options.device !== undefined && options.device !== 'tmpfs') throw invalidArgument('local volume: type=tmpfs takes no device (or device=tmpfs)');
    const words = [...(options.o ? options.o.split(',') : []), ...(options.size !== undefined ? [`size=${options.size}`] : [])];
    for (const word of words) {
      if (!TMPFS_WORDS.test(word)) throw invalidArgument(`local volume: tmpfs option "${word}" is not supported (size=, mode=, uid=, gid=, nr_inodes=)`);
    }
  } else if (type === 'none') {
    const words = (options.o ?? '').split(',');
    if (!words.includes('bind') || words.some((w) => w !== 'bind' && w !== 'rbind')) {
      throw invalidArgument('local volume: type=none needs o=bind (and no other mount option)');
    }
    const device = options.device;
    if (!device || !isAbsolute(device) || device.includes('\0') || device.split('/').includes('..')) {
      throw invalidArgument(`local volume: device ${JSON.stringify(device ?? '')} must be an absolute host path without '..'`);
    }
    if (options.size !== undefined) throw invalidArgument('local volume: size is for type=tmpfs');
  } else {
    throw invalidArgument(`local volume: type "${type}" is not supported (tmpfs or none)`);
  }
  return { ...options };
}

/** The bind device, checked now: an existing directory, and not a symlink (the helper will not follow one). */
function checkDevice(device: string): void {
  let info;
  try {
    info = lstatSync(device);
  } catch {
    throw invalidArgument(`local volume: device ${device} does not exist; create the directory first`);
  }
  if (info.isSymbolicLink()) throw invalidArgument(`local volume: device ${device} is a symlink; give the directory it points to`);
  if (!info.isDirectory()) throw invalidArgument(`local volume: device ${device} is not a directory`);
}

function checkTarget(request: VolumeRequest): string {
  const target = request.target;
  if (typeof target !== 'string' || target.includes('\0') || !isAbsolute(target) || target.split('/').includes('..')) {
    throw invalidArgument(`local volume: container path ${JSON.stringify(target)} must be absolute, without '..'`);
  }
  if (normalizePath(target) === '/') throw invalidArgument("local volume: cannot mount a volume over the container's root /");
  for (const key of Object.keys(request.options)) throw invalidArgument(`local volume: unknown mount option "${key}" (options belong to volume create -o)`);
  return normalizePath(target);
}

export function createLocalVolumeDriver(context: DriverContext): VolumeDriverV2 {
  const dirs = createNamedDirs(context.root, context.runRoot, 'local');

  function read(name: string): VolumeInfo | undefined {
    const stored = dirs.read(name);
    if (!stored) return undefined;
    const type = stored.options.type;
    const mountpoint = type === 'tmpfs' ? '' : type === 'none' ? stored.options.device! : join(dirs.dirOf(name), '_data');
    return { name, mountpoint, options: stored.options, createdAt: stored.createdAt };
  }

  return {
    specificationVersion: 'v2',
    name: 'local',
    capabilities: () => ({ scope: 'local' }),

    async create(request: VolumeCreateRequest): Promise<VolumeInfo> {
      const name = checkVolumeName(request.name);
      const options = checkLocalOptions(request.options);
      if (options.type === 'none') checkDevice(options.device!);
      await dirs.create(name, options, (dir) => mkdirExact(join(dir, '_data'), 0o755));
      return read(name)!;
    },

    async remove(name: string): Promise<void> {
      await dirs.remove(name);
    },

    async inspect(name: string) {
      return read(checkVolumeName(name));
    },

    async list() {
      return dirs.names().flatMap((entry) => read(entry) ?? []);
    },

    async mount(request: VolumeRequest): Promise<Mount[]> {
      const name = checkVolumeName(request.source);
      const target = checkTarget(request);
      const info = read(name);
      if (!info) throw notFound(`no such volume: ${name}`);
      const access = request.readOnly ? 'ro' : 'rw';
      const { type, o, size } = info.options;
      if (type === 'tmpfs') {
        const words = [...(o ? o.split(',') : []), ...(size !== undefined ? [`size=${size}`] : [])];
        return [{ type: 'tmpfs', source: 'tmpfs', target, options: [access, 'nosuid', 'nodev', ...words] }];
      }
      const source = type === 'none' ? await canonicalHostPath(info.options.device!) : info.mountpoint;
      return [{ type: 'bind', source, target, options: ['rbind', access], hostPath: {} }];
    },

    async unmount() {
      // Nothing to release: the bind or tmpfs lives in the container's mount namespace and dies with it.
    },
  };
}

export const localVolumeDriverFactory: VolumeDriverFactory = {
  probe: async () => ({ supported: true }),
  create: createLocalVolumeDriver,
};
