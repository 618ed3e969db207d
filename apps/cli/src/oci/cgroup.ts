import { createCgroupManager, removeEmptyParent, type CgroupManager } from '@skiff/cgroups';
import { OciError } from './errors.js';

/**
 * linux.cgroupsPath → the manager's { parent, name }, below each hierarchy's root. An absolute path is used as
 * given ("/default/t1": parent "default", name "t1"; "/t1": the root's child t1). A relative one is placed
 * below skiff-runc's own parent "skiff-runc" (runc places it below its caller's cgroup: either way the runtime
 * picks the base). None: skiff-runc/<id>. ".." is refused: the path cannot climb out of its base.
 * `ownParent`: the parent levels are skiff-runc's own (below "skiff-runc"), not the manager's.
 */
export function cgroupLocation(cgroupsPath: string | undefined, id: string): CgroupLocation {
  if (!cgroupsPath) return { parent: 'skiff-runc', name: id, ownParent: true };
  if (cgroupsPath.includes(':')) {
    throw new OciError(`linux.cgroupsPath ${cgroupsPath} is a systemd slice path: skiff-runc drives cgroupfs only (containerd: SystemdCgroup = false; podman: --cgroup-manager cgroupfs)`);
  }
  const parts = cgroupsPath.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..') || parts.length === 0) throw new OciError(`linux.cgroupsPath ${JSON.stringify(cgroupsPath)} is not a cgroup path`);
  const name = parts.pop()!;
  const absolute = cgroupsPath.startsWith('/');
  if (!absolute) parts.unshift('skiff-runc');
  return { parent: parts.join('/'), name, ...(absolute ? {} : { ownParent: true }) };
}

/** Where a container's cgroup is; kept in its state (store.ts). */
export interface CgroupLocation {
  parent: string;
  name: string;
  /** Set when the parent levels are skiff-runc's own; absent: the manager's (or a state written before it). */
  ownParent?: true;
}

export const cgroupManager = (location: CgroupLocation): CgroupManager => createCgroupManager({ parent: location.parent, name: location.name });

/**
 * After the container's own cgroup is destroyed: removes the empty levels of skiff-runc's own parent. An absolute
 * cgroupsPath's parents are the manager's (a kubelet's pod cgroup, containerd's namespace): left alone, as runc
 * removes only the container's cgroup.
 */
export function removeOwnEmptyParent(location: CgroupLocation): void {
  if (!location.ownParent) return;
  try {
    removeEmptyParent(location.parent);
  } catch {}
}
