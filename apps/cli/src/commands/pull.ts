import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';

interface PullFlags {
  quiet?: boolean;
  platform?: string;
}

/** skiff pull NAME[:TAG|@DIGEST]: docker pull's output and exit codes. */
export function definePull(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (!want('pull')) return;
  program
    .command('pull')
    .description('download an image from a registry')
    .argument('<name>', 'NAME[:TAG|@DIGEST], e.g. alpine, 127.0.0.1:5000/team/app:v1')
    .option('-q, --quiet', 'print only the image name')
    .option('--platform <os/arch>', "the platform to pull from a multi-platform image (default: this host's)")
    .action(async (name: string, flags: PullFlags) => {
      const [{ createContext }, { pullWithProgress }] = await Promise.all([import('../context.js'), import('../pull.js')]);
      const context = await createContext(globals());
      try {
        await pullWithProgress(context, name, { quiet: flags.quiet ?? false, platform: flags.platform, out: process.stdout });
      } catch (error) {
        // docker pull exits 1 when the pull fails.
        throw Object.assign(error as object, { exitCode: 1 });
      }
    });
}
