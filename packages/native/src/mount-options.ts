import { MountFlags, splitMountOptions, type Mount } from '@skiff/plugin';
import type { MountSyscall } from './plan.js';

/**
 * Converts a driver's mount description into the mount(2) call the helper makes (option words: see
 * @skiff/plugin's mount-options.ts). Type 'bind' means a bind mount: fstype '' and MS_BIND.
 */
export function mountToSyscall(mount: Mount): MountSyscall {
  let { flags, data } = splitMountOptions(mount.options);
  let fstype = mount.type;
  if (fstype === 'bind' || fstype === 'rbind') {
    flags |= MountFlags.MS_BIND | (fstype === 'rbind' ? MountFlags.MS_REC : 0);
    fstype = '';
  }
  const syscall: MountSyscall = { source: mount.source, target: mount.target, fstype, flags: flags >>> 0, data };
  if (mount.hostPath) syscall.hostPath = { ...mount.hostPath };
  if (mount.hostPathOptions?.length) syscall.hostPathOptions = [...mount.hostPathOptions];
  return syscall;
}
