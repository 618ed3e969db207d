import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';
import type { ImageReference, ImageStore } from '@skiff/image';
import { invalidArgument, notFound } from '@skiff/plugin/errors';

/**
 * push [-q] [-a] NAME[:TAG]: docker push's output (state changes per layer, then `TAG: digest: D size: N`); exit 1
 * on failure. -a pushes every tag the repository has here, one after the other, as docker.
 */
export function definePush(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (!want('push')) return;
  program
    .command('push')
    .description('upload an image to a registry')
    .argument('<name>', 'NAME[:TAG], e.g. 127.0.0.1:5000/team/app:v1')
    .option('-a, --all-tags', 'push all tags of the repository')
    .option('-q, --quiet', 'suppress verbose output')
    .action(async (name: string, flags: { quiet?: boolean; allTags?: boolean }) => {
      const [{ createContext }, image] = await Promise.all([import('../context.js'), import('@skiff/image')]);
      const out = process.stdout;
      try {
        const reference = image.parseReference(name);
        const repository = `${reference.domain}/${reference.path}`;
        const context = await createContext(globals());
        const names = flags.allTags ? await allTags(context.images, name, reference) : [name];
        if (!flags.quiet) out.write(`The push refers to repository [${repository}]\n`);
        const options = {
          settings: await image.readRegistrySettings(context.roots.root),
          credentials: await image.readCredentials(context.roots.root, reference.domain),
          ...(flags.quiet ? {} : { onProgress: (event: { id: string; status: string }) => out.write(`${event.id}: ${event.status}\n`) }),
        };
        for (const one of names) {
          const result = await image.pushImage(context.images, one, options);
          if (!flags.quiet) out.write(`${result.tag}: digest: ${result.digest} size: ${result.size}\n`);
          else if (!flags.allTags) out.write(`${repository}:${result.tag}\n`);
        }
        // docker -q -a: the repository, once.
        if (flags.quiet && flags.allTags) out.write(`${repository}\n`);
      } catch (error) {
        throw Object.assign(error as object, { exitCode: 1 });
      }
    });
}

/** The names of every tag of `name`'s repository in the store, sorted; docker's refusals for a tag or none. */
async function allTags(images: ImageStore, name: string, reference: ImageReference): Promise<string[]> {
  const { canonicalImageName, isDangling, repositoryOf } = await import('@skiff/image');
  // parseReference fills in `latest`: a tag is there when the name's last component has one.
  if (reference.digest !== undefined || /[:@]/.test(name.slice(name.lastIndexOf('/') + 1))) throw invalidArgument("tag can't be used with --all-tags/-a");
  const repository = repositoryOf(canonicalImageName(name));
  const tags = (await images.list())
    .map((image) => image.name)
    .filter((other) => !isDangling(other) && !other.includes('@') && repositoryOf(other) === repository)
    .sort();
  if (tags.length === 0) throw notFound(`An image does not exist locally with the tag: ${name}`);
  return tags;
}
