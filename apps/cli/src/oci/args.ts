/**
 * runc's command line (urfave/cli): flags before positional arguments, `--name value`, `--name=value`, or a
 * single dash (`-bundle x`, Go's flag style, which some managers use); boolean flags take no value. Small and
 * hand-written: skiff-runc starts several times per container, and every millisecond of it counts.
 */
import { OciError } from './errors.js';

export interface FlagSpec {
  /** Flags that take a value, by every name (long and short), mapped to the canonical name. */
  values?: Record<string, string>;
  /** Boolean flags, by every name, mapped to the canonical name. */
  booleans?: Record<string, string>;
  /** Canonical names of value flags that may repeat (--env). */
  repeated?: string[];
}

export interface Parsed {
  flags: Record<string, string | string[] | true>;
  positional: string[];
}

/** Parses flags up to the first positional argument (or `--`); what follows is positional, untouched. */
export function parseFlags(argv: string[], spec: FlagSpec, command: string): Parsed {
  const flags: Parsed['flags'] = {};
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const eq = arg.indexOf('=');
    const name = arg.replace(/^--?/, '').slice(0, eq < 0 ? undefined : eq - (arg.startsWith('--') ? 2 : 1));
    const valueName = spec.values?.[name];
    const boolName = spec.booleans?.[name];
    if (valueName) {
      let value: string | undefined;
      if (eq >= 0) value = arg.slice(eq + 1);
      else value = argv[++i];
      if (value === undefined) throw new OciError(`${command}: flag ${arg} needs a value`);
      if (spec.repeated?.includes(valueName)) flags[valueName] = [...((flags[valueName] as string[] | undefined) ?? []), value];
      else flags[valueName] = value;
    } else if (boolName) {
      if (eq >= 0 && !['true', 'false'].includes(arg.slice(eq + 1))) throw new OciError(`${command}: flag ${arg.slice(0, eq)} takes true or false`);
      if (eq < 0 || arg.slice(eq + 1) === 'true') flags[boolName] = true;
    } else {
      throw new OciError(`${command}: unknown flag ${arg}`);
    }
  }
  return { flags, positional: argv.slice(i) };
}

export const str = (value: string | string[] | true | undefined): string | undefined => (typeof value === 'string' ? value : undefined);
export const list = (value: string | string[] | true | undefined): string[] => (Array.isArray(value) ? value : typeof value === 'string' ? [value] : []);
