import { execFile } from 'node:child_process';
import { SkiffError } from '@skiff/plugin';

/**
 * Copies directory `from` into the empty directory `to` with the native helper's copy-tree (c/copytree.c):
 * every entry opened relative to its parent's fd without following symlinks, so a container that changes
 * its writable layer during `commit` cannot make the copy read a host file. Keeps modes, owners, times,
 * xattrs, whiteouts and hard links.
 */
export function copyTree(helper: string, from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(helper, ['copy-tree', from, to], { encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      reject(new SkiffError('INTERNAL', `copying ${from} failed: ${stderr.trim() || error.message}`, { cause: error }));
    });
  });
}
