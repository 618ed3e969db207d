import { Command, Option } from 'commander';
import type { GlobalOptions } from './context.js';

declare const __SKIFF_VERSION__: string;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/**
 * The `skiff` command line. Each command's code is imported only when that command runs, so start-up stays
 * small. Flags follow docker's names and meanings.
 */
export function createProgram(): Command {
  const program = new Command('skiff')
    .description('a daemonless container runtime')
    .version(__SKIFF_VERSION__, '--version')
    .enablePositionalOptions()
    .exitOverride()
    .option('--root <dir>', 'state root (env SKIFF_ROOT)', undefined)
    .option('--run-root <dir>', 'runtime state root (env SKIFF_RUN_ROOT)', undefined)
    .option('--plugin <package>', 'load a driver plugin by npm package name (repeatable; env SKIFF_PLUGINS=a,b; or "plugins" in <root>/config.json)', collect);

  const globals = () => program.opts<GlobalOptions>();

  program
    .command('run')
    .description('run a command in a new container')
    .helpOption('--help', 'display help for command')
    .argument('<image>', 'image name (busybox is built from the host on first use)')
    .argument('[command...]', 'command and arguments; everything after IMAGE belongs to it')
    .passThroughOptions()
    .option('-i, --interactive', 'keep stdin attached')
    .option('-t, --tty', 'allocate a pseudo-terminal')
    .option('--rm', 'remove the container when it exits (volume data is kept)')
    .option('--name <name>', 'assign a name to the container')
    .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable; KEY alone copies it from this shell)', collect)
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-h, --hostname <name>', 'container host name (default: first 12 digits of the id)')
    .option(
      '-v, --volume <spec>',
      'mount a host directory: HOST:CONTAINER[:OPTIONS], OPTIONS a comma list of ro, rw, driver=NAME, KEY=VALUE (repeatable)',
      collect,
    )
    .option(
      '--mount <spec>',
      'docker-style mount: type=bind,source=/host,target=/path[,readonly][,volume-driver=overlay] (repeatable)',
      collect,
    )
    .option('--volume-driver <name>', 'volume driver for volumes that name none (bind, overlay, or a plugin\'s)')
    .option('--storage-driver <name>', 'root filesystem driver (overlay, aufs, vfs, or a plugin\'s)')
    .addOption(new Option('--network <mode>', 'network mode').choices(['none', 'host']).default('none'))
    .option('-m, --memory <bytes>', 'memory limit (b, k, m, g suffixes); swap is limited to the same unless --memory-swap')
    .option('--memory-swap <bytes>', 'memory + swap limit; -1 for unlimited swap')
    .option('--cpus <number>', 'number of CPUs (fractional: 0.5)')
    .option('--cpu-shares <number>', 'relative CPU weight (default 1024)')
    .option('--cpuset-cpus <list>', 'CPUs the container may use (0-1, 0,2)')
    .option('--cpuset-mems <list>', 'memory nodes the container may use')
    .option('--pids-limit <number>', 'maximum number of processes (-1 for unlimited)')
    .option('--cgroup-parent <path>', 'cgroup that holds the container\'s cgroup (env SKIFF_CGROUP_PARENT; default skiff)')
    .action(async (image: string, command: string[], options) => {
      const { runCommand } = await import('./commands/run.js');
      process.exitCode = await runCommand(globals(), image, command, options);
    });

  program
    .command('images')
    .description('list images')
    .option('-q, --quiet', 'only show image names')
    .action(async (options) => {
      const { imagesCommand } = await import('./commands/images.js');
      await imagesCommand(globals(), options);
    });

  program
    .command('import')
    .description('create an image from a root filesystem tarball (.tar, .tar.gz)')
    .argument('<tarball>', 'path of the tarball')
    .argument('<name>', 'name of the new image')
    .action(async (tarball: string, name: string) => {
      const { importCommand } = await import('./commands/import.js');
      await importCommand(globals(), tarball, name);
    });

  return program;
}
