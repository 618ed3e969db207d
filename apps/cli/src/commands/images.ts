import { InvalidArgumentError, type Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';
import type { ImageConfig } from '@skiff/plugin';
import { ago, humanSize, table } from '../format.js';
import { collect } from '../flags/collect.js';

const contextOf = async (globals: GlobalOptions) => (await import('../context.js')).createContext(globals);

/** images, import, commit: the image store's commands. */
export function defineImages(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('images'))
    program
      .command('images')
      .description('list images')
      .option('-a, --all', 'show all images (skiff keeps no intermediate images: the same list)')
      .option('--digests', 'show digests')
      .option('-f, --filter <key=value>', 'dangling=true|false, reference=GLOB, label=KEY[=VALUE], before=IMAGE, since=IMAGE (repeatable)', collect)
      .option('--format <format>', 'table, json, table TEMPLATE or a Go template: {{.ID}} {{.Repository}} {{.Tag}} {{.Digest}} {{.CreatedSince}} {{.CreatedAt}} {{.Size}} {{.Containers}}')
      .option('--no-trunc', 'do not truncate image ids')
      .option('-q, --quiet', 'only show image ids')
      .action(async (options: { quiet?: boolean; digests?: boolean; filter?: string[]; format?: string; trunc: boolean }) => {
        const { parseFilters } = await import('../flags/filters.js');
        const { IMAGE_FILTERS, IMAGE_HEADER, imageRow, matchImage } = await import('./images-rows.js');
        const filters = parseFilters(options.filter ?? [], IMAGE_FILTERS);
        const { images } = await contextOf(globals());
        const all = (await images.list()).sort((a, b) => b.created.localeCompare(a.created));
        const match = await matchImage(filters, images);
        const list = all.filter(match);
        if (options.quiet && options.format === undefined) {
          process.stdout.write(list.map((image) => `${options.trunc ? image.id.slice(0, 12) : `sha256:${image.id}`}\n`).join(''));
          return;
        }
        const rows = await Promise.all(list.map((image) => imageRow(images, image, options.trunc)));
        const { formatList } = await import('../template/index.js');
        const digest = options.digests ? '\t{{.Digest}}' : '';
        const table = `{{.Repository}}\t{{.Tag}}${digest}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}`;
        process.stdout.write(formatList(options.format ?? 'table', rows, { table, header: IMAGE_HEADER }));
      });

  if (want('import'))
    program
      .command('import')
      .description('create an image from a root filesystem tarball (.tar, .tar.gz): a file, a URL, or - for STDIN')
      .argument('<source>', 'file|URL|-')
      .argument('<name>', 'REPOSITORY[:TAG] of the new image')
      .option('-c, --change <instruction>', 'apply a Dockerfile instruction to the image (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR, STOPSIGNAL)', collect)
      .option('-m, --message <text>', 'set the commit message for the imported image')
      .action(async (source: string, name: string, options: { change?: string[]; message?: string }) => {
        const { images } = await contextOf(globals());
        const { importSource } = await import('./import.js');
        const id = await importSource(images, source, name, options).catch((error: unknown) => Promise.reject(Object.assign(error as object, { exitCode: 1 })));
        process.stdout.write(`sha256:${id}\n`);
      });

  if (want('commit'))
    program
      .command('commit')
      .description("create an image from a container's changes, layered on its image")
      .argument('<container>')
      .argument('<image>', 'name of the new image')
      .option('-p, --pause [bool]', 'pause the container while its changes are copied (default true; --pause=false)', parseBoolean, true)
      .option('-m, --message <text>', 'commit message (the image\'s Comment)')
      .option('-c, --change <instruction>', 'apply a Dockerfile instruction: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, WORKDIR, STOPSIGNAL, VOLUME (repeatable)', collect)
      .action(async (reference: string, name: string, options: { pause: boolean; message?: string; change?: string[] }) => {
        const { applyChanges } = await import('../flags/change.js');
        const instructions = options.change ?? [];
        applyChanges({ env: [], cmd: [], workingDir: '/' }, instructions); // a bad instruction is refused before the container is touched
        const changes = instructions.length ? { changes: (config: ImageConfig) => applyChanges(config, instructions) } : {};
        const { runtime } = await contextOf(globals());
        const committed = await runtime.commit(reference, name, { pause: options.pause, ...changes, ...(options.message ? { comment: options.message } : {}) });
        process.stdout.write(`sha256:${committed.id}\n`);
      });
}

/** docker's boolean flag values: `--pause=false`, `-p=false` (commander hands the short form's '=' over too). */
function parseBoolean(value: string): boolean {
  const word = value.replace(/^=/, '').toLowerCase();
  if (word === 'true' || word === '1') return true;
  if (word === 'false' || word === '0') return false;
  throw new InvalidArgumentError(`expected true or false, not ${JSON.stringify(value)}`);
}

/** `127.0.0.1:5000/app:v1` -> [`127.0.0.1:5000/app`, `v1`]; no tag is `latest`; a digest name has tag `<none>`. */
export function splitName(name: string): [string, string] {
  if (name.includes('@')) return [name.slice(0, name.indexOf('@')), '<none>'];
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? [name.slice(0, colon), name.slice(colon + 1)] : [name, 'latest'];
}
