import type { Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';
import { collect } from '../flags/collect.js';
import { parseEnv, readEnvFile } from '../flags/env.js';
import { parseUser } from '../flags/security.js';
import { requireTerminalStdin } from '../flags/tty.js';

export function defineExec(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('exec'))
    program
      .command('exec')
      .description('run a command in a running container')
      .argument('<container>')
      .argument('<command...>', 'command and arguments; everything after CONTAINER belongs to it')
      .passThroughOptions()
      .option('-i, --interactive', 'keep stdin attached')
      .option('-t, --tty', 'allocate a pseudo-terminal')
      .option('-e, --env <KEY=VALUE>', 'set an environment variable (repeatable)', collect)
      .option('-w, --workdir <dir>', 'working directory inside the container')
      .option('-u, --user <user>', 'USER[:GROUP], names or numbers from the container\'s /etc/passwd and /etc/group')
      .option('-d, --detach', 'run the command in the background (its output is not kept)')
      .option('--privileged', 'give the command every capability')
      .option('--env-file <file>', 'read environment variables from a file (repeatable)', collect)
      .action(async (reference: string, command: string[], options: { interactive?: boolean; tty?: boolean; env?: string[]; workdir?: string; user?: string; detach?: boolean; privileged?: boolean; envFile?: string[] }) => {
        if (!options.detach) requireTerminalStdin(options);
        const fromFiles = (options.envFile ?? []).flatMap((file) => readEnvFile(file, process.env));
        const env = { ...parseEnv(fromFiles), ...parseEnv(options.env ?? []) };
        const user = options.user === undefined ? undefined : parseUser(options.user);
        const { createContext } = await import('../context.js');
        const { runtime } = await createContext(globals());
        process.exitCode = await runtime.exec(reference, {
          args: command,
          env,
          workdir: options.workdir,
          user,
          tty: options.tty ?? false,
          interactive: options.interactive ?? false,
          forwardSignals: true,
          detach: options.detach ?? false,
          privileged: options.privileged ?? false,
        });
      });
}
