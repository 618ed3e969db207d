import { Option, type Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import { DEFAULT_DETACH_KEYS } from '../flags/detach-keys.js';
import { parseBool } from '../flags/bool.js';
import type { Want } from './want.js';

interface AttachFlags {
  detachKeys: string;
  stdin: boolean;
  sigProxy: boolean;
}

/** docker attach: a detached container's stdio, through its supervisor's attach socket. */
export function defineAttach(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (!want('attach')) return;
  program
    .command('attach')
    .description("attach this terminal's stdin, stdout and stderr to a running detached container")
    .argument('<container>')
    .option('--detach-keys <keys>', 'key sequence that detaches and leaves the container running', DEFAULT_DETACH_KEYS)
    .option('--no-stdin', 'do not attach stdin')
    .addOption(new Option('--sig-proxy <bool>', 'proxy received signals to the container (without a tty)').argParser((value) => parseBool(value, '--sig-proxy')).default(true))
    .action(async (reference: string, flags: AttachFlags) => {
      const { parseDetachKeys } = await import('../flags/detach-keys.js');
      const keys = parseDetachKeys(flags.detachKeys);
      const { createContext } = await import('../context.js');
      const { runtime } = await createContext(globals());
      const record = await runtime.store.resolve(reference);
      const { relayAttachment } = await import('../attach-relay.js');
      // docker: stdin into a tty container must be a terminal.
      if (flags.stdin && record.config.tty && record.config.interactive && !process.stdin.isTTY) {
        const { SkiffError } = await import('@skiff/plugin');
        throw Object.assign(new SkiffError('INVALID_ARGUMENT', 'the input device is not a TTY', { hint: 'use --no-stdin, or attach from a terminal' }), { exitCode: 1 });
      }
      const attachment = await runtime.attach(record.id);
      const result = await relayAttachment(attachment, { stdin: flags.stdin, keys, sigProxy: flags.sigProxy, pid: record.pid });
      if (result.detached) {
        // docker attach says so, and exits 1 (docker run -it's detach is silent and exits 0).
        process.stderr.write('read escape sequence\n');
        process.exitCode = 1;
        return;
      }
      process.exitCode = result.exitCode ?? (await runtime.wait(record.id));
    });
}
