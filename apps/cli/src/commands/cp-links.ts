import { lstatSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { join, posix } from 'node:path';

/**
 * node-tar turns a symlink's absolute target (`/etc`) into a relative one (`etc`); docker cp keeps it. Each such
 * link is made again with its target, but only where node-tar made it: every directory on the way must be a real
 * directory (no symlink, which a forged archive could have planted), and the link must hold the cut target.
 */
export function restoreAbsoluteLinks(links: { cwd: string; path: string; target: string }[]): void {
  for (const { cwd, path, target } of links) {
    const parts = posix.normalize(path).split('/').filter((part) => part && part !== '.');
    if (parts.length === 0 || parts.includes('..')) continue;
    let dir = cwd;
    let safe = true;
    for (const part of parts.slice(0, -1)) {
      dir = join(dir, part);
      try {
        if (!lstatSync(dir).isDirectory()) safe = false;
      } catch {
        safe = false;
      }
      if (!safe) break;
    }
    const link = join(dir, parts[parts.length - 1]!);
    try {
      if (!safe || !lstatSync(link).isSymbolicLink() || readlinkSync(link) !== target.replace(/^\/+/, '')) continue;
      unlinkSync(link);
      symlinkSync(target, link);
    } catch {
      // changed meanwhile: left as node-tar made it
    }
  }
}
