import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';

/** push [-q] NAME[:TAG]: docker push's output (state changes per layer, then `TAG: digest: D size: N`); exit 1 on failure. */
export function definePush(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (!want('push')) return;
  program
    .command('push')
    .description('upload an image to a registry')
    .argument('<name>', 'NAME[:TAG], e.g. 127.0.0.1:5000/team/app:v1')
    .option('-q, --quiet', 'suppress verbose output')
    .action(async (name: string, flags: { quiet?: boolean }) => {
      const [{ createContext }, image] = await Promise.all([import('../context.js'), import('@skiff/image')]);
      const context = await createContext(globals());
      const out = process.stdout;
      try {
        const reference = image.parseReference(name);
        const repository = `${reference.domain}/${reference.path}`;
        if (!flags.quiet) out.write(`The push refers to repository [${repository}]\n`);
        const result = await image.pushImage(context.images, name, {
          settings: await image.readRegistrySettings(context.roots.root),
          credentials: await image.readCredentials(context.roots.root, reference.domain),
          ...(flags.quiet ? {} : { onProgress: (event: { id: string; status: string }) => out.write(`${event.id}: ${event.status}\n`) }),
        });
        out.write(flags.quiet ? `${repository}:${result.tag}\n` : `${result.tag}: digest: ${result.digest} size: ${result.size}\n`);
      } catch (error) {
        throw Object.assign(error as object, { exitCode: 1 });
      }
    });
}
