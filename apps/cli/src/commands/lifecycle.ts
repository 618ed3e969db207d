import { Option, type Command } from 'commander';
import type { GlobalOptions } from '../context.js';
import type { Want } from './want.js';
import { parseSeconds } from '../flags/seconds.js';
import { each } from './each.js';

const runtimeOf = async (globals: GlobalOptions) => (await (await import('../context.js')).createContext(globals)).runtime;

/** start, stop, restart, kill, wait, rm: docker's container verbs. */
export function defineLifecycle(program: Command, globals: () => GlobalOptions, want: Want): void {
  if (want('start'))
    program
      .command('start')
      .description('start stopped or created containers (on their kept writable layer)')
      .argument('<container...>')
      .option('-a, --attach', "attach to the container's output and wait for it (one container)")
      .action(async (references: string[], options: { attach?: boolean }) => {
        const runtime = await runtimeOf(globals());
        if (options.attach) {
          const { invalidArgument } = await import('@skiff/plugin');
          if (references.length !== 1) throw invalidArgument('start -a takes exactly one container');
          process.exitCode = (await runtime.start(references[0]!, { attach: true, forwardSignals: true })).exitCode;
          return;
        }
        await each(references, async (reference) => void (await runtime.start(reference)));
      });

  if (want('stop'))
    program
      .command('stop')
      .description('stop running containers: SIGTERM, then SIGKILL after the timeout')
      .argument('<container...>')
      .option('-t, --time <seconds>', "seconds to wait before SIGKILL (default: the container's --stop-timeout, else 10)", parseSeconds)
      .action(async (references: string[], options: { time?: number }) => {
        const runtime = await runtimeOf(globals());
        await each(references, (reference) => runtime.stop(reference, options.time));
      });

  if (want('restart'))
    program
      .command('restart')
      .description('stop and start containers again')
      .argument('<container...>')
      .option('-t, --time <seconds>', "seconds to wait before SIGKILL (default: the container's --stop-timeout, else 10)", parseSeconds)
      .action(async (references: string[], options: { time?: number }) => {
        const runtime = await runtimeOf(globals());
        await each(references, async (reference) => void (await runtime.restart(reference, options.time)));
      });

  if (want('kill'))
    program
      .command('kill')
      .description('send a signal to running containers (default SIGKILL)')
      .argument('<container...>')
      .option('-s, --signal <signal>', 'signal name or number', 'SIGKILL')
      .action(async (references: string[], options: { signal: string }) => {
        const runtime = await runtimeOf(globals());
        const { parseSignal } = await import('../flags/signal.js'); // core's parser: loaded with the runtime, not at every start
        await each(references, async (reference) => {
          let signal: NodeJS.Signals;
          try {
            signal = parseSignal(options.signal);
          } catch (error) {
            // As docker's daemon: a missing container says so before a bad signal does.
            await runtime.store.resolve(reference);
            throw error;
          }
          await runtime.kill(reference, signal);
        });
      });

  for (const [name, paused] of [['pause', true], ['unpause', false]] as const) {
    if (want(name))
      program
        .command(name)
        .description(paused ? 'freeze every process of running containers (cgroup freezer)' : 'thaw paused containers')
        .argument('<container...>')
        .action(async (references: string[]) => {
          const runtime = await runtimeOf(globals());
          await each(references, (reference) => (paused ? runtime.pause(reference) : runtime.unpause(reference)));
        });
  }

  if (want('wait'))
    program
      .command('wait')
      .description('wait for containers to stop, then print their exit codes')
      .argument('<container...>')
      .addOption(new Option('--condition <condition>', 'not-running: now or when it stops; next-exit: its next exit; removed: until it is removed').choices(['not-running', 'next-exit', 'removed']).default('not-running'))
      .action(async (references: string[], options: { condition: 'not-running' | 'next-exit' | 'removed' }) => {
        const runtime = await runtimeOf(globals());
        for (const reference of references) {
          const { id } = await runtime.store.resolve(reference);
          const code = await runtime.wait(id, { nextExit: options.condition === 'next-exit' });
          if (options.condition === 'removed') {
            const { pollUntil } = await import('@skiff/plugin');
            await pollUntil(async () => (await runtime.store.get(id)) === undefined, Number.POSITIVE_INFINITY);
          }
          process.stdout.write(`${code}\n`);
        }
      });

  if (want('rm'))
    program
      .command('rm')
      .description('remove containers (never the data of their volumes)')
      .argument('<container...>')
      .option('-f, --force', 'kill a running container first')
      .option('-v, --volumes', 'also remove its anonymous volumes (never named volumes or host directories)')
      .action(async (references: string[], options: { force?: boolean; volumes?: boolean }) => {
        const runtime = await runtimeOf(globals());
        await each(references, (reference) => runtime.remove(reference, { force: options.force ?? false, volumes: options.volumes ?? false }));
      });
}
