import { Option, type Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';
import { writeOut } from '../write-out.js';

type Kind = 'container' | 'image' | 'volume';

interface InspectOptions {
  format?: string;
  type?: Kind;
  size?: boolean;
}

export function defineInspect(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('inspect'))
    program
      .command('inspect')
      .description("print containers', images' or volumes' details as a JSON array (docker's shape)")
      .argument('<name...>', 'container, image or volume names or ids')
      .option('-f, --format <format>', 'json, or a Go template over the JSON: {{.State.Pid}}, {{json .Config}}, {{range .Mounts}}…{{end}}')
      .option('-s, --size', "add the container's SizeRw and SizeRootFs")
      .addOption(new Option('--type <type>', 'only look for this kind of object').choices(['container', 'image', 'volume']))
      .action(async (references: string[], options: InspectOptions) => {
        // As docker: a bad template fails before anything is looked up.
        const { compileTemplate } = await import('../template/index.js');
        const template = options.format === undefined ? undefined : compileTemplate(options.format === 'json' ? '{{json .}}' : options.format, { missingKey: 'error' });
        const { createContext } = await import('../context.js');
        const context = await createContext(globals());
        const found: unknown[] = [];
        const missing: string[] = [];
        for (const reference of references) {
          const object = await lookUp(context, reference, options);
          if (object === undefined) missing.push(reference);
          else found.push(JSON.parse(JSON.stringify(object)));
        }
        if (template) writeOut(1, found.map((object) => `${template.render(object)}\n`).join(''));
        else writeOut(1, `${JSON.stringify(found, null, 4)}\n`);
        for (const reference of missing) writeOut(2, `Error: No such object: ${reference}\n`);
        if (missing.length) process.exitCode = 1;
      });
}

type Context = Awaited<ReturnType<typeof import('../context.js').createContext>>;

/** The object `reference` names: a container first, then an image, then a volume (docker's order). */
async function lookUp(context: Context, reference: string, options: InspectOptions): Promise<unknown> {
  const { SkiffError } = await import('@skiff/plugin');
  const absent = (error: unknown) => {
    if (SkiffError.is(error, 'NOT_FOUND') || SkiffError.is(error, 'INVALID_ARGUMENT')) return undefined;
    throw error;
  };
  const kinds: Kind[] = options.type ? [options.type] : ['container', 'image', 'volume'];
  for (const kind of kinds) {
    let object: unknown;
    if (kind === 'container') {
      object = await context.runtime.inspect(reference).catch(absent);
      if (object && options.size) {
        const { imageSize } = await import('@skiff/image');
        const record = await context.runtime.store.resolve(reference);
        const rw = await context.runtime.writableSize(record.id);
        const image = await context.images.get(record.config.image).catch(() => undefined);
        object = { ...object, SizeRw: rw, SizeRootFs: rw + (image ? await imageSize(context.images, image) : 0) };
      }
    } else if (kind === 'image') {
      const { inspectImage } = await import('@skiff/image');
      const image = (await context.images.find(reference).catch(absent))?.image;
      object = image && (await inspectImage(context.images, image));
    } else {
      const { volumeJson } = await import('./volume-rows.js');
      const volume = await context.runtime.volumes.inspect(reference).catch(absent);
      object = volume && volumeJson(volume.record, volume.info);
    }
    if (object !== undefined) return object;
  }
  return undefined;
}
