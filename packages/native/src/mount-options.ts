import { MountFlags, type MountSyscall } from './plan.js';

/** A mount as drivers describe it, in mount(8) terms (containerd's Mount{Type, Source, Target, Options}). */
export interface MountSpec {
  type: string;
  source: string;
  /** '/' for the root filesystem, else an absolute path inside the container. */
  target: string;
  options: string[];
}

const { MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC } =
  MountFlags;
const { MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_RELATIME, MS_STRICTATIME } = MountFlags;

/** Option word → [flags to set, flags to clear]. Words not listed here are filesystem data. */
const FLAG_WORDS: Record<string, readonly [set: number, clear: number]> = {
  defaults: [0, 0],
  ro: [MS_RDONLY, 0],
  rw: [0, MS_RDONLY],
  nosuid: [MS_NOSUID, 0],
  suid: [0, MS_NOSUID],
  nodev: [MS_NODEV, 0],
  dev: [0, MS_NODEV],
  noexec: [MS_NOEXEC, 0],
  exec: [0, MS_NOEXEC],
  relatime: [MS_RELATIME, 0],
  norelatime: [0, MS_RELATIME],
  noatime: [MS_NOATIME, 0],
  strictatime: [MS_STRICTATIME, 0],
  nodiratime: [MS_NODIRATIME, 0],
  bind: [MS_BIND, 0],
  rbind: [MS_BIND | MS_REC, 0],
  private: [MS_PRIVATE, 0],
  rprivate: [MS_PRIVATE | MS_REC, 0],
  slave: [MS_SLAVE, 0],
  rslave: [MS_SLAVE | MS_REC, 0],
  shared: [MS_SHARED, 0],
  rshared: [MS_SHARED | MS_REC, 0],
  remount: [MS_REMOUNT, 0],
};

/**
 * Converts a mount(8)-style description into the mount(2) call the helper makes: known option words become
 * flags (later words win, as with mount(8): `ro,rw` is read-write); everything else is joined with ',' into
 * the filesystem data, in order. Type 'bind' means a bind mount: fstype '' and MS_BIND.
 */
export function mountToSyscall(mount: MountSpec): MountSyscall {
  let flags = 0;
  const data: string[] = [];
  for (const option of mount.options) {
    const word = Object.hasOwn(FLAG_WORDS, option) ? FLAG_WORDS[option] : undefined;
    if (word) flags = (flags & ~word[1]) | word[0];
    else if (option !== '') data.push(option);
  }
  let fstype = mount.type;
  if (fstype === 'bind' || fstype === 'rbind') {
    flags |= MS_BIND | (fstype === 'rbind' ? MS_REC : 0);
    fstype = '';
  }
  return { source: mount.source, target: mount.target, fstype, flags: flags >>> 0, data: data.join(',') };
}
