/**
 * overlay volume driver: the host directory is the overlay's UPPER dir, so every write the container makes
 * lands in the host directory and survives it (an earlier runtime used a temporary upper dir, and every write
 * vanished on exit). The lower dir is what the image has at the container path, so the image's files there
 * still show; copy-up moves the ones the container changes into the host directory.
 *
 *   <host dir>/                                  upper dir: user data. Nothing in it is ever deleted.
 *   <ctx.root>/work/<ref>-<sha256(upper)[:12]>/  work dir (default), when <ctx.root> is on the same mount as
 *                                                the host dir; emptied before each mount, removed on unmount
 *   <parent>/.<name>.skiff-work/                 work dir otherwise: a hidden sibling of the host dir, on the
 *                                                same mount unless the host dir is a mount point itself;
 *                                                emptied before each mount, removed on unmount. A container
 *                                                with <parent> as its volume can swap it, so it is only ever
 *                                                opened O_NOFOLLOW, checked (owner, device, inode) and emptied
 *                                                fd-relative; the helper mounts the opened upper and work dirs
 *   workdir=PATH (driver option)                 a work dir of the user's choosing; must be on the same mount;
 *                                                never emptied or removed by skiff
 *   <request.scratchDir>/lower/                  empty lower dir, when the image has no directory there (else
 *                                                the target's directory in each image layer: the merged view)
 *   <request.scratchDir>/overlay-volume.json     what mount() took, so unmount() releases exactly that
 *   <ctx.runRoot>/volumes/overlay/<sha256(upper)>.json
 *                                                {ref, upper}: the container using this upper dir. Two live
 *                                                overlays on one upper dir corrupt it, so a second running
 *                                                container is refused; a record left by a dead one is taken over.
 *   (upper = realpath of the host dir)
 *
 * Named volumes (contract v2: `volume create -d overlay NAME`, `-v NAME:/etc:driver=overlay`,
 * `--mount type=volume,volume-driver=overlay`): the upper dir lives in skiff's store instead of a host path,
 *
 *   <ctx.root>/named/NAME/upper/                 the volume's data (named-dirs.ts's store; 0755)
 *
 * and everything else is as above: the lower is the image's content at the target, so the container sees the
 * image's files plus what earlier containers wrote there; no copy-up is made (capabilities().showsImageContent).
 * A request whose source has no '/' names a volume; one with '/' is a host directory as before.
 *
 * Refused with one-line errors: an upper dir on overlayfs or NFS, upper and work dirs on different mounts
 * (overlayfs requires one mount), an upper dir in use by another running container, paths containing ',' ':'
 * or '\', and mount data longer than one page (4095 bytes).
 */
import { link, lstat, mkdir, readFile, realpath, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import {
  SkiffError,
  directoryIdentity,
  failedPrecondition,
  invalidArgument,
  FS_MAGIC,
  MOUNT_DATA_MAX,
  filesystemType,
  kernelHasFilesystem,
  mountDataLength,
  removeDirectoryAt,
  removeTree,
  withLock,
  writeFileAtomic,
  type DirectoryIdentity,
  type DriverContext,
  type Mount,
  type VolumeCreateRequest,
  type VolumeDriverFactory,
  type VolumeDriverV2,
  type VolumeInfo,
  type VolumeRequest,
  checkVolumeName,
  notFound,
} from '@skiff/plugin';
import { checkRequest, isWithin, makeDirs, normalizePath, sameMount } from './checks.js';
import { createNamedDirs, mkdirExact } from './named-dirs.js';

interface UseRecord {
  ref: string;
  upper: string;
}

/** What mount() took for one container's volume, kept in its scratch dir. */
interface VolumeState {
  upper: string;
  work: string;
  /**
   * Who chose the work dir: 'container' (per-container default under the driver root) and 'sibling' (shared by
   * whoever holds the upper dir) are skiff's to empty and delete; 'user' (workdir=PATH) is never touched.
   */
  workKind: WorkKind;
  /** The work dir skiff emptied (device, inode): unmount deletes that directory or nothing. */
  workId?: DirectoryIdentity;
  record: string;
}

type WorkKind = 'container' | 'sibling' | 'user';

const sha256 = (text: string) => process.getBuiltinModule('node:crypto').createHash('sha256').update(text).digest('hex');
const unique = () => `${process.pid}-${process.getBuiltinModule('node:crypto').randomBytes(6).toString('hex')}`;

export function createOverlayVolumeDriver(context: DriverContext): VolumeDriverV2 {
  const recordPath = (upper: string) => join(context.runRoot, 'volumes', 'overlay', `${sha256(upper)}.json`);
  const defaultWork = (ref: string, upper: string) => join(context.root, 'work', `${ref}-${sha256(upper).slice(0, 12)}`);
  const named = createNamedDirs(join(context.root, 'named'), context.runRoot, 'overlay');
  const info = (name: string): VolumeInfo | undefined => {
    const stored = named.read(name);
    return stored && { name, mountpoint: join(named.dirOf(name), 'upper'), options: stored.options, createdAt: stored.createdAt };
  };
  /** A named volume's request as a host-path one on its upper dir. */
  const byPath = (request: VolumeRequest): VolumeRequest => {
    if (request.source.includes('/')) return request;
    const volume = info(checkVolumeName(request.source));
    if (!volume) throw notFound(`no such volume: ${request.source}`);
    return { ...request, source: volume.mountpoint };
  };

  return {
    specificationVersion: 'v2',
    name: 'overlay',
    capabilities: () => ({ scope: 'local', showsImageContent: true }),

    async create(request: VolumeCreateRequest): Promise<VolumeInfo> {
      const name = checkVolumeName(request.name);
      for (const key of Object.keys(request.options)) throw invalidArgument(`overlay volume: unknown option "${key}" (a named overlay volume takes none)`);
      await mkdir(join(context.root, 'named'), { recursive: true, mode: 0o700 });
      await named.create(name, {}, (dir) => mkdirExact(join(dir, 'upper'), 0o755));
      return info(name)!;
    },

    async remove(name: string): Promise<void> {
      await named.remove(name);
    },

    async inspect(name: string) {
      return info(checkVolumeName(name));
    },

    async list() {
      return named.names().flatMap((name) => info(name) ?? []);
    },

    async mount(given: VolumeRequest): Promise<Mount[]> {
      const request = byPath(given);
      checkRequest('overlay', request, ['workdir']);
      checkRef(request.ref);
      const source = normalizePath(request.source);
      const refuse = (why: string, hint?: string) =>
        failedPrecondition(`cannot use ${source} as an overlay volume: ${why}`, hint === undefined ? undefined : { hint });

      if (!(await lstat(source).catch(() => undefined))) await makeDirs(source, 0o755);
      const upper = await realpath(source);
      if (!(await stat(upper)).isDirectory()) throw invalidArgument(`cannot use ${source} as an overlay volume: it is not a directory`);
      const problem = upperFilesystemProblem(await filesystemType(upper));
      if (problem) throw refuse(problem, 'use the bind volume driver for this directory');
      checkOptionPath(source, upper);

      const record = recordPath(upper);
      const claimed = await claim(record, { ref: request.ref, upper }, context, source);
      try {
        const { work, workKind } = await chooseWorkDir(request, source, upper, defaultWork(request.ref, upper), refuse);
        checkOptionPath(source, work);
        const lowers = await chooseLowers(request);
        for (const dir of lowers) checkOptionPath(source, dir);
        const lower = lowers.join(':');
        // overlayfs wants an empty work dir; one left by a crashed container is stale, and ours to empty. A
        // sibling work dir sits where a container with the parent as a volume can swap it: opened without
        // following symlinks, checked (ours, on the upper's filesystem) and emptied by fd, never by path.
        let workId: DirectoryIdentity | undefined;
        if (workKind !== 'user') {
          workId = directoryIdentity(work, (await stat(upper)).dev);
          if (!workId) throw refuse(`its work dir ${work} vanished while it was being prepared; try again`);
          removeDirectoryAt(work, { expect: workId, keep: true });
        }
        const state: VolumeState = { upper, work, workKind, workId, record };
        await mkdir(request.scratchDir, { recursive: true, mode: 0o700 });
        await writeFileAtomic(join(request.scratchDir, 'overlay-volume.json'), `${JSON.stringify(state)}\n`, 0o600);
        const options = [`lowerdir=${lower}`, `upperdir=${upper}`, `workdir=${work}`, ...(request.readOnly ? ['ro'] : [])];
        const size = mountDataLength(options);
        if (size > MOUNT_DATA_MAX) throw refuse(`its mount options would take ${size} bytes; the kernel takes at most ${MOUNT_DATA_MAX}`);
        // The helper opens upper and work dirs without following symlinks and mounts those very directories.
        return [{ type: 'overlay', source: 'overlay', target: normalizePath(request.target), options, hostPathOptions: ['upperdir', 'workdir'] }];
      } catch (error) {
        if (claimed) await release(record, request.ref);
        throw error;
      }
    },

    async unmount(given: VolumeRequest): Promise<void> {
      let request: VolumeRequest;
      try {
        request = byPath(given);
      } catch (error) {
        if (SkiffError.is(error, 'NOT_FOUND')) return; // the volume is gone, and with it what was taken
        throw error;
      }
      checkRef(request.ref);
      const stateFile = join(request.scratchDir, 'overlay-volume.json');
      const state = await readJson<VolumeState>(stateFile);
      let upper = state?.upper;
      if (upper === undefined) {
        upper = await realpath(normalizePath(request.source)).catch(() => undefined);
        if (upper === undefined) return; // never mounted, and nothing to find
      }
      const record = state?.record ?? recordPath(upper);
      const holder = await readJson<UseRecord>(record);
      // Another container may have taken the upper dir over since (we were stale): then the shared sibling
      // work dir and the record are its own. The default work dir is per container, always ours.
      const mayTouchShared = !holder || holder.ref === request.ref;
      const perContainerWork = defaultWork(request.ref, upper);
      const sibling = join(dirname(upper), `.${basename(upper)}.skiff-work`);
      // Work dir first, record last: once the record is gone another container may claim the sibling work dir.
      if (state) {
        if (state.workKind === 'container' || (state.workKind === 'sibling' && mayTouchShared)) {
          removeWorkDir(state.work, { expect: state.workId, device: state.workId?.dev });
        }
      } else {
        await removeTree(perContainerWork);
        if (mayTouchShared && upper !== '/') removeWorkDir(sibling, { device: (await stat(upper).catch(() => undefined))?.dev });
      }
      if (holder?.ref === request.ref) await release(record, request.ref);
      await rm(stateFile, { force: true });
    },
  };
}

/** Why overlayfs cannot use a directory on a filesystem of this statfs type as its upper dir, if it cannot. */
export function upperFilesystemProblem(type: number): string | undefined {
  if (type === FS_MAGIC.overlay) return 'it is on overlayfs; overlayfs cannot use another overlay as its upper dir';
  if (type === FS_MAGIC.nfs) return 'it is on NFS; overlayfs cannot use an NFS directory as its upper dir';
  return undefined;
}

function checkRef(ref: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(ref)) throw invalidArgument(`overlay volume: invalid container id ${JSON.stringify(ref)}`);
}

/** Paths go into a ','-separated data string and ':'-separated lists; their escaping differs between kernels. */
function checkOptionPath(source: string, path: string): void {
  if (/[,:\\\n]/.test(path)) {
    throw invalidArgument(`cannot use ${source} as an overlay volume: ${path} contains ',', ':' or '\\', which overlay mount options cannot carry`);
  }
}

async function chooseWorkDir(
  request: VolumeRequest,
  source: string,
  upper: string,
  defaultWork: string,
  refuse: (why: string, hint?: string) => SkiffError,
): Promise<{ work: string; workKind: WorkKind }> {
  const separate = (work: string) => !isWithin(work, upper) && !isWithin(upper, work);
  const requested = request.options.workdir;
  if (requested !== undefined) {
    if (!isAbsolute(requested) || requested.includes('\0')) {
      throw invalidArgument(`cannot use ${source} as an overlay volume: workdir=${requested} is not an absolute path`);
    }
    if (!(await lstat(requested).catch(() => undefined))) await makeDirs(normalizePath(requested), 0o755);
    const work = await realpath(requested);
    if (!separate(work)) throw invalidArgument(`cannot use ${source} as an overlay volume: workdir=${requested} overlaps the volume directory`);
    if (!(await sameMount(upper, work))) {
      throw refuse(`workdir=${requested} is on a different filesystem; overlayfs needs the upper and work dirs on the same one`);
    }
    return { work, workKind: 'user' };
  }
  // Default: under the driver's own root, when that is on the host directory's mount.
  const workRoot = dirname(defaultWork);
  await mkdir(workRoot, { recursive: true, mode: 0o700 });
  const realRoot = await realpath(workRoot);
  if (separate(join(realRoot, basename(defaultWork))) && (await sameMount(upper, realRoot))) {
    await mkdir(defaultWork, { recursive: true, mode: 0o700 });
    return { work: await realpath(defaultWork), workKind: 'container' };
  }
  // Else a hidden sibling of the host directory: same mount unless the directory is a mount point itself.
  if (upper === '/') throw refuse('/ cannot be a volume');
  const sibling = join(dirname(upper), `.${basename(upper)}.skiff-work`);
  const existing = await lstat(sibling).catch(() => undefined);
  if (existing && !existing.isDirectory()) throw refuse(`${sibling} exists and is not a directory`);
  if (!existing) await mkdir(sibling, { mode: 0o700 });
  if (!(await sameMount(upper, sibling))) {
    if (!existing) removeWorkDir(sibling, {});
    throw refuse(
      'its upper and work dirs would be on different filesystems (it is a mount point, and skiff\'s state root is on another filesystem)',
      'pass a work dir on the same filesystem: -v HOST:CONTAINER:driver=overlay,workdir=/same/fs/dir',
    );
  }
  return { work: sibling, workKind: 'sibling' };
}

/**
 * The lower dirs, top-most first: the image's directory at the target in every layer that has one (a layer
 * where it is a whiteout or a file ends the stack: what is below is hidden there), else an empty dir.
 */
async function chooseLowers(request: VolumeRequest): Promise<string[]> {
  const candidates = request.imagePaths ?? (request.imagePath !== undefined ? [request.imagePath] : []);
  const lowers: string[] = [];
  for (const path of candidates) {
    const info = await lstat(path).catch(() => undefined);
    if (!info?.isDirectory()) break;
    lowers.push(path);
  }
  if (lowers.length > 0) return lowers;
  const lower = join(request.scratchDir, 'lower');
  await makeDirs(lower, 0o755);
  return [lower];
}

/**
 * Deletes a work dir by fd (removeDirectoryAt). One that is no longer what skiff made (a symlink or another
 * directory swapped in by a container) is left alone: deleting nothing is the safe answer.
 */
function removeWorkDir(work: string, options: { expect?: DirectoryIdentity; device?: number }): void {
  try {
    removeDirectoryAt(work, options);
  } catch (error) {
    if (!SkiffError.is(error, 'FAILED_PRECONDITION')) throw error;
  }
}

/**
 * Records that `use.ref` uses `use.upper`. The record appears atomically and exclusively: written to a temp
 * file, then link(2)ed into place, which fails when a record exists (an exclusive create that never shows a
 * half-written file). A record of the same container is reused; one of another container that still runs is a
 * CONFLICT; one of a container that is gone is removed (under the record's lock, after checking it is still
 * that record) and the claim retried. Every removal of a record happens under the lock, so a fresh claim can
 * never be removed by someone who judged an older one stale.
 * Returns whether a new record was created.
 */
async function claim(record: string, use: UseRecord, context: DriverContext, source: string): Promise<boolean> {
  await mkdir(dirname(record), { recursive: true, mode: 0o700 });
  const temp = `${record}.tmp-${unique()}`;
  await writeFile(temp, `${JSON.stringify(use)}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 20; attempt++) {
      try {
        await link(temp, record);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readJson<UseRecord>(record);
      if (holder?.ref === use.ref) return false;
      if (holder && (await context.isContainerActive(holder.ref))) {
        throw new SkiffError('CONFLICT', `cannot use ${source} as an overlay volume: container ${holder.ref} is using it as its upper dir`, {
          hint: 'stop that container first, or use another directory',
        });
      }
      // Stale (its container is gone) or damaged (records appear complete, so unreadable means damaged).
      await removeRecordIf(record, (current) => current?.ref === holder?.ref);
    }
    throw new SkiffError('UNAVAILABLE', `cannot use ${source} as an overlay volume: its use record ${record} keeps changing; try again`);
  } finally {
    await rm(temp, { force: true });
  }
}

/** Deletes the use record if it names `ref`. */
async function release(record: string, ref: string): Promise<void> {
  await removeRecordIf(record, (current) => current?.ref === ref);
}

/** Under the record's lock, deletes the record if `test` accepts what it holds now (undefined: unreadable). */
async function removeRecordIf(record: string, test: (current: UseRecord | undefined) => boolean): Promise<void> {
  await withLock(`${record}.lock`, async () => {
    const present = await lstat(record).catch(() => undefined);
    if (present && test(await readJson<UseRecord>(record))) await unlink(record).catch(() => undefined);
  });
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export async function probeOverlayVolume(procFilesystems = '/proc/filesystems') {
  if (await kernelHasFilesystem('overlay', procFilesystems)) return { supported: true } as const;
  return { supported: false, reason: 'overlayfs is not available in this kernel (not listed in /proc/filesystems)' } as const;
}

export const overlayVolumeDriverFactory: VolumeDriverFactory = {
  probe: () => probeOverlayVolume(),
  create: createOverlayVolumeDriver,
};
