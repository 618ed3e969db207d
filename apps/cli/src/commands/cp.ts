import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';

/**
 * docker cp, both ways. The container's side is read and written by the container's own `tar`, run inside it
 * (exec: its mount namespace and root), so every path and symlink there resolves within the container's root,
 * whatever it swaps in meanwhile. The host's side is extracted by node-tar, which refuses absolute paths, `..`
 * and writing through symlinks: an archive the container forged cannot reach outside the destination.
 */
export function defineCp(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('cp'))
    program
      .command('cp')
      .description('copy files between a running container and the host: CONTAINER:SRC DEST, SRC CONTAINER:DEST; - is a tar stream on stdin/stdout')
      .argument('<source>')
      .argument('<destination>')
      .option('-a, --archive', 'keep uid/gid (default: files are owned by the copying side)')
      .option('-L, --follow-link', 'follow a symlink given as the source')
      .option('-q, --quiet', 'print nothing (skiff prints no progress anyway)')
      .action(async (source: string, destination: string, options: { archive?: boolean; followLink?: boolean }) => {
        const { copy } = await import('./cp-transfer.js');
        const { createContext } = await import('../context.js');
        await copy((await createContext(globals())).runtime, source, destination, { archive: options.archive ?? false, follow: options.followLink ?? false });
      });
}
