import { createCgroupManager, type CgroupManager } from '@skiff/cgroups';
import { OciError } from './errors.js';

/**
 * linux.cgroupsPath → the manager's { parent, name }, below each hierarchy's root. An absolute path is used as
 * given ("/default/t1": parent "default", name "t1"; "/t1": the root's child t1). A relative one is placed
 * below skiff-runc's own parent "skiff-runc" (runc places it below its caller's cgroup: either way the runtime
 * picks the base). None: skiff-runc/<id>. ".." is refused: the path cannot climb out of its base.
 */
export function cgroupLocation(cgroupsPath: string | undefined, id: string): { parent: string; name: string } {
  if (!cgroupsPath) return { parent: 'skiff-runc', name: id };
  if (cgroupsPath.includes(':')) {
    throw new OciError(`linux.cgroupsPath ${cgroupsPath} is a systemd slice path: skiff-runc drives cgroupfs only (containerd: SystemdCgroup = false; podman: --cgroup-manager cgroupfs)`);
  }
  const parts = cgroupsPath.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..') || parts.length === 0) throw new OciError(`linux.cgroupsPath ${JSON.stringify(cgroupsPath)} is not a cgroup path`);
  const name = parts.pop()!;
  if (!cgroupsPath.startsWith('/')) parts.unshift('skiff-runc');
  return { parent: parts.join('/'), name };
}

export const cgroupManager = (location: { parent: string; name: string }): CgroupManager => createCgroupManager(location);
