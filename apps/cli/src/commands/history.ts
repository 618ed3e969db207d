import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';
import { ago, humanSize, table } from '../format.js';

/** history IMAGE: docker's columns (IMAGE, CREATED, CREATED BY, SIZE, COMMENT), top layer first. */
export function defineHistory(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('history'))
    program
      .command('history')
      .description('show the history of an image')
      .argument('<image>')
      .option('-q, --quiet', 'only show image ids')
      .option('--no-trunc', "don't truncate output")
      .action(async (reference: string, options: { quiet?: boolean; trunc: boolean }) => {
        const { createContext } = await import('../context.js');
        const { imageHistory } = await import('@skiff/image');
        const { images } = await createContext(globals());
        const entries = await imageHistory(images, (await images.find(reference)).image);
        const id = (value: string) => (value === '<missing>' || !options.trunc ? value : value.slice(7, 19));
        if (options.quiet) {
          process.stdout.write(entries.map((entry) => `${id(entry.id)}\n`).join(''));
          return;
        }
        const createdBy = (text: string) => (options.trunc && text.length > 45 ? `${text.slice(0, 44)}…` : text);
        const rows = entries.map((entry) => [id(entry.id), ago(entry.created), createdBy(entry.createdBy), humanSize(entry.size), entry.comment]);
        process.stdout.write(table(['IMAGE', 'CREATED', 'CREATED BY', 'SIZE', 'COMMENT'], rows));
      });
}
