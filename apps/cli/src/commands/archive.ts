import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';

/** docker's image commands exit 1 when they fail. */
const exitOne = (error: unknown) => Object.assign(error as object, { exitCode: 1 });

/**
 * save [-o FILE] IMAGE... and load [-i FILE] [-q]: docker's archive (an OCI layout with manifest.json, as docker
 * 25+ writes), read back in that form, the legacy one and a plain OCI layout (see @skiff/image archive/).
 */
export function defineArchive(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('save'))
    program
      .command('save')
      .description('save one or more images to a tar archive (streamed to STDOUT by default)')
      .argument('<image...>')
      .option('-o, --output <file>', 'write to a file, instead of STDOUT')
      .action(async (references: string[], options: { output?: string }) => {
        const { SkiffError } = await import('@skiff/plugin');
        if (!options.output && process.stdout.isTTY) {
          throw exitOne(new SkiffError('INVALID_ARGUMENT', 'cowardly refusing to save to a terminal', { hint: 'use the -o flag or redirect' }));
        }
        const [{ createContext }, { saveImages }] = await Promise.all([import('../context.js'), import('@skiff/image')]);
        const { images } = await createContext(globals());
        if (!options.output) return saveImages(images, references, process.stdout).catch((error: unknown) => Promise.reject(exitOne(error)));
        const { createWriteStream } = await import('node:fs');
        const { rename, rm } = await import('node:fs/promises');
        // Written beside the target and renamed: a failed save leaves no half archive under the name.
        const temp = `${options.output}.skiff-${process.pid}`;
        const file = createWriteStream(temp, { mode: 0o600 });
        try {
          await saveImages(images, references, file);
          await new Promise<void>((resolve, reject) => file.end((error?: Error | null) => (error ? reject(error) : resolve())));
          await rename(temp, options.output);
        } catch (error) {
          file.destroy();
          await rm(temp, { force: true });
          throw exitOne(error);
        }
      });

  if (want('load'))
    program
      .command('load')
      .description('load images from a tar archive or STDIN')
      .option('-i, --input <file>', 'read from a tar archive file, instead of STDIN')
      .option('-q, --quiet', 'suppress the load output')
      .option('--platform <os/arch>', 'the platform to load from a multi-platform OCI layout')
      .action(async (options: { input?: string; quiet?: boolean; platform?: string }) => {
        const { SkiffError } = await import('@skiff/plugin');
        if (!options.input && process.stdin.isTTY) throw exitOne(new SkiffError('INVALID_ARGUMENT', 'requested load from stdin, but stdin is empty'));
        const [{ createContext }, { loadImages }, { helper }, { parsePlatform }, { createReadStream }] = await Promise.all([
          import('../context.js'),
          import('@skiff/image'),
          import('../pull.js'),
          import('../flags/platform.js'),
          import('node:fs'),
        ]);
        const { images } = await createContext(globals());
        const source = options.input ? createReadStream(options.input) : (await import('../stdin.js')).stdinStream();
        const result = await loadImages(images, source, {
          helper: await helper(),
          label: options.input ?? 'stdin',
          ...(options.platform ? { platform: parsePlatform(options.platform) } : {}),
        }).catch((error: unknown) => {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') error = new SkiffError('NOT_FOUND', `open ${options.input}: no such file or directory`);
          throw exitOne(error);
        });
        if (!options.quiet) process.stdout.write(result.lines.map((line) => `${line}\n`).join(''));
      });
}
