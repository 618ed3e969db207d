/**
 * mount(8)-style option words, as drivers write them in `Mount.options`, and what they mean to mount(2).
 * The native helper and the drivers' own checks (the one-page data limit) read the same table.
 */

/** mount(2) flags from <sys/mount.h>: kernel ABI, they never change (packages/native/test/constants.test.ts checks the helper's). */
export const MountFlags = {
  MS_RDONLY: 0x1,
  MS_NOSUID: 0x2,
  MS_NODEV: 0x4,
  MS_NOEXEC: 0x8,
  MS_REMOUNT: 0x20,
  MS_NOATIME: 0x400,
  MS_NODIRATIME: 0x800,
  MS_BIND: 0x1000,
  MS_REC: 0x4000,
  MS_UNBINDABLE: 0x20000,
  MS_PRIVATE: 0x40000,
  MS_SLAVE: 0x80000,
  MS_SHARED: 0x100000,
  MS_RELATIME: 0x200000,
  MS_STRICTATIME: 0x1000000,
} as const;

const { MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC } = MountFlags;
const { MS_UNBINDABLE, MS_PRIVATE, MS_SLAVE, MS_SHARED, MS_RELATIME, MS_STRICTATIME } = MountFlags;

/** Option word → [flags to set, flags to clear]. Words not listed here are filesystem data. */
export const MOUNT_FLAG_WORDS: Readonly<Record<string, readonly [set: number, clear: number]>> = {
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
  unbindable: [MS_UNBINDABLE, 0],
  runbindable: [MS_UNBINDABLE | MS_REC, 0],
  remount: [MS_REMOUNT, 0],
};

/**
 * Splits option words into mount(2) flags and filesystem data: known words become flags (later words win, as
 * with mount(8): `ro,rw` is read-write); everything else is joined with ',' into the data, in order.
 */
export function splitMountOptions(options: readonly string[]): { flags: number; data: string } {
  let flags = 0;
  const data: string[] = [];
  for (const option of options) {
    const word = Object.hasOwn(MOUNT_FLAG_WORDS, option) ? MOUNT_FLAG_WORDS[option] : undefined;
    if (word) flags = (flags & ~word[1]) | word[0];
    else if (option !== '') data.push(option);
  }
  return { flags: flags >>> 0, data: data.join(',') };
}

/**
 * Mount data (the comma-joined non-flag options) is copied by mount(2) into one page: 4096 bytes including the
 * terminating NUL. Longer data is silently truncated by old kernels and refused by new ones, so check first.
 */
export const MOUNT_DATA_MAX = 4095;

/** Length of the data string `options` give mount(2), to check against MOUNT_DATA_MAX. */
export const mountDataLength = (options: readonly string[]): number => splitMountOptions(options).data.length;
