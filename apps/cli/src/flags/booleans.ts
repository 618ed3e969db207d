import type { Command, Option } from 'commander';

const TRUE = new Set(['true', '1', 't', 'T', 'TRUE', 'True']);
const FALSE = new Set(['false', '0', 'f', 'F', 'FALSE', 'False']);

/**
 * docker (pflag) takes `--rm=false`, `--detach=true`, `-i=false` for every boolean flag; commander knows only
 * `--rm`. This rewrites those forms of the typed command's boolean options before commander parses: `=true` is the
 * bare flag, `=false` drops it (or becomes `--no-X` where the option is negatable). Option values and the command's
 * own arguments (after the image of run/create, after the container of exec) are left untouched.
 */
export function normalizeBooleanFlags(program: Command, argv: string[]): string[] {
  const out = argv.slice(0, 2);
  let command: Command = program;
  let passThrough = false;
  for (let index = 2; index < argv.length; index++) {
    const arg = argv[index]!;
    if (passThrough || arg === '--') {
      out.push(...argv.slice(index));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      out.push(arg);
      const sub = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
      if (sub) command = sub;
      // run/create/exec: what follows the first argument belongs to the container's command.
      else if ((command as unknown as { _passThroughOptions?: boolean })._passThroughOptions) passThrough = true;
      continue;
    }
    const equals = arg.indexOf('=');
    const name = equals < 0 ? arg : arg.slice(0, equals);
    const option = findOption(command, name) ?? findOption(program, name);
    if (!option) {
      out.push(arg);
      continue;
    }
    if (option.required || option.optional) {
      out.push(arg);
      if (equals < 0 && option.required && index + 1 < argv.length) out.push(argv[++index]!);
      continue;
    }
    if (equals < 0) {
      out.push(arg);
      continue;
    }
    const value = arg.slice(equals + 1);
    if (TRUE.has(value)) out.push(name);
    else if (FALSE.has(value)) {
      const negation = option.long && findOption(command, option.long.replace(/^--/, '--no-'));
      if (negation) out.push(option.long!.replace(/^--/, '--no-'));
    } else out.push(arg);
  }
  return out;
}

function findOption(command: Command, name: string): Option | undefined {
  return command.options.find((option) => option.long === name || option.short === name);
}
