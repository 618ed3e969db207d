import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import { collect } from '../flags/collect.js';
import type { Want } from './want.js';
import { each } from './each.js';

const runtimeOf = async (globals: GlobalOptions) => (await (await import('../context.js')).createContext(globals)).runtime;

/** `KEY=VALUE` words of -o / --label into a record; a word without '=' is one clear error line. */
async function keyValues(words: string[], flag: string): Promise<Record<string, string>> {
  const { invalidArgument } = await import('@skiff/plugin');
  const result: Record<string, string> = {};
  for (const word of words) {
    const equals = word.indexOf('=');
    if (equals <= 0) throw invalidArgument(`invalid ${flag} ${JSON.stringify(word)}: expected KEY=VALUE`);
    result[word.slice(0, equals)] = word.slice(equals + 1);
  }
  return result;
}

/** Like keyValues, but a key may repeat (--filter label=a --filter label=b); keys are checked against docker's. */
async function keyValuePairs(words: string[], flag: string): Promise<[string, string][]> {
  const { invalidArgument } = await import('@skiff/plugin');
  return words.map((word) => {
    const equals = word.indexOf('=');
    const key = word.slice(0, equals);
    if (equals <= 0 || !['dangling', 'driver', 'label', 'name'].includes(key)) {
      throw invalidArgument(`invalid ${flag} ${JSON.stringify(word)}: expected dangling=true|false, driver=NAME, label=KEY[=VALUE] or name=PART`);
    }
    const value = word.slice(equals + 1);
    if (key === 'dangling' && !['true', 'false', '1', '0'].includes(value)) throw invalidArgument(`invalid ${flag} ${JSON.stringify(word)}: dangling is true or false`);
    return [key, value];
  });
}

/** docker's volume filters: every one given must match. */
async function matches(
  record: { name: string; driver: string; labels: Record<string, string> },
  filters: [string, string][],
  users: (name: string) => Promise<string[]>,
): Promise<boolean> {
  for (const [key, value] of filters) {
    if (key === 'name' && !record.name.includes(value)) return false;
    if (key === 'driver' && record.driver !== value) return false;
    if (key === 'label') {
      const equals = value.indexOf('=');
      const [label, wanted] = equals < 0 ? [value, undefined] : [value.slice(0, equals), value.slice(equals + 1)];
      if (!Object.hasOwn(record.labels, label) || (wanted !== undefined && record.labels[label] !== wanted)) return false;
    }
    if (key === 'dangling' && ((await users(record.name)).length === 0) !== (value === 'true' || value === '1')) return false;
  }
  return true;
}

/** `skiff volume create|ls|inspect|rm|prune`: docker's volume commands over the named-volume store. */
export function defineVolume(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (!want('volume')) return;
  const volume = program.command('volume').description('manage named and anonymous volumes');

  volume
    .command('create')
    .description('create a volume (an existing name is returned as it is)')
    .argument('[name]', 'volume name (default: a random name)')
    .option('-d, --driver <driver>', 'volume driver', 'local')
    .option('-o, --opt <key=value>', 'driver option (local: type=tmpfs, o=size=64m, type=none,o=bind,device=/dir)', collect)
    .option('--label <key=value>', 'label the volume', collect)
    .action(async (name: string | undefined, options: { driver: string; opt?: string[]; label?: string[] }) => {
      const [opts, labels] = [await keyValues(options.opt ?? [], '-o'), await keyValues(options.label ?? [], '--label')];
      const runtime = await runtimeOf(globals());
      // docker exits 1 when the daemon refuses the volume (a bad name, option or driver); 125 stays for bad flags.
      const { record } = await runtime.volumes.create({ name, driver: options.driver, options: opts, labels }).catch((error: unknown) => Promise.reject(Object.assign(error as object, { exitCode: 1 })));
      process.stdout.write(`${record.name}\n`);
    });

  volume
    .command('ls')
    .alias('list')
    .description('list volumes')
    .option('-q, --quiet', 'only show volume names')
    .option('-f, --filter <key=value>', 'dangling=true|false, driver=NAME, label=KEY[=VALUE], name=PART (repeatable: all must match)', collect)
    .option('--format <format>', 'table, json, table TEMPLATE or a Go template: {{.Name}} {{.Driver}} {{.Scope}} {{.Mountpoint}} {{.Labels}} {{.Label "k"}}')
    .action(async (options: { quiet?: boolean; filter?: string[]; format?: string }) => {
      const filters = await keyValuePairs(options.filter ?? [], '--filter');
      const runtime = await runtimeOf(globals());
      const list = [];
      for (const record of await runtime.volumes.list()) {
        if (await matches(record, filters, (name) => runtime.volumes.users(name))) list.push(record);
      }
      if (options.quiet && options.format === undefined) {
        process.stdout.write(list.map((v) => `${v.name}\n`).join(''));
        return;
      }
      const { VOLUME_HEADER, VOLUME_TABLE, volumeRow } = await import('./volume-rows.js');
      // The mount point costs a driver call per volume: only when the format asks for it.
      const wantsMountpoint = options.format !== undefined && /Mountpoint|json/.test(options.format);
      const rows = await Promise.all(
        list.map(async (v) => volumeRow(v, wantsMountpoint ? (await runtime.volumes.inspect(v.name).catch(() => undefined))?.info.mountpoint ?? '' : '')),
      );
      const { formatList } = await import('../template/index.js');
      process.stdout.write(formatList(options.format ?? 'table', rows, { table: VOLUME_TABLE, header: VOLUME_HEADER }));
    });

  volume
    .command('inspect')
    .description('show volumes as JSON')
    .argument('<volume...>')
    .action(async (names: string[]) => {
      const runtime = await runtimeOf(globals());
      const { describeError } = await import('../errors.js');
      const shown: unknown[] = [];
      for (const name of names) {
        try {
          const { record, info } = await runtime.volumes.inspect(name);
          const { volumeJson } = await import('./volume-rows.js');
          shown.push(volumeJson(record, info));
        } catch (error) {
          process.stderr.write(`skiff: ${describeError(error)}\n`);
          process.exitCode = 1;
        }
      }
      process.stdout.write(`${JSON.stringify(shown, null, 4)}\n`);
    });

  volume
    .command('rm')
    .alias('remove')
    .description('remove volumes (refused while a container uses one)')
    .argument('<volume...>')
    .option('-f, --force', 'no error for a volume that does not exist')
    .action(async (names: string[], options: { force?: boolean }) => {
      const runtime = await runtimeOf(globals());
      await each(names, (name) => runtime.volumes.remove(name, { force: options.force ?? false }));
    });

  volume
    .command('prune')
    .description('remove unused anonymous volumes (-a: every unused volume)')
    .option('-a, --all', 'remove unused named volumes too')
    .option('-f, --force', 'do not ask (skiff never asks)')
    .action(async (options: { all?: boolean }) => {
      const removed = await (await runtimeOf(globals())).volumes.prune({ all: options.all ?? false });
      process.stdout.write(removed.length ? `Deleted Volumes:\n${removed.map((n) => `${n}\n`).join('')}\n` : '');
      process.stdout.write('Total reclaimed space: 0B\n');
    });

  for (const command of volume.commands) command.exitOverride();
  volume.exitOverride();
}
