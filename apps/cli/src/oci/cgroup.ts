import { createCgroupManager, type CgroupManager } from '@skiff/cgroups';
import { OciError } from './errors.js';

/** linux.cgroupsPath → the manager's { parent, name }. "/default/t1": parent "default", name "t1". */
export function cgroupLocation(cgroupsPath: string | undefined, id: string): { parent: string; name: string } {
  if (!cgroupsPath) return { parent: 'skiff-runc', name: id };
  if (cgroupsPath.includes(':')) {
    throw new OciError(`linux.cgroupsPath ${cgroupsPath} is a systemd slice path: skiff-runc drives cgroupfs only (containerd: SystemdCgroup = false; podman: --cgroup-manager cgroupfs)`);
  }
  const parts = cgroupsPath.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.includes('..') || parts.length === 0) throw new OciError(`linux.cgroupsPath ${JSON.stringify(cgroupsPath)} is not a cgroup path`);
  const name = parts.pop()!;
  return { parent: parts.length ? parts.join('/') : 'skiff-runc', name };
}

export const cgroupManager = (location: { parent: string; name: string }): CgroupManager => createCgroupManager(location);
