import { NO_VALUE, goType, printValue, truth, typeNameOf, type TemplateFunction } from './exec.js';

/** Go's built-in template functions (and/or are evaluated lazily by the executor) and docker's additions. */

const isString = (value: unknown): value is string => typeof value === 'string';

function wantArgs(name: string, args: unknown[], count: number): void {
  if (args.length !== count) throw new Error(`wrong number of args for ${name}: want ${count} got ${args.length}`);
}

function length(value: unknown): number {
  if (isString(value)) return Buffer.byteLength(value);
  if (Array.isArray(value)) return value.length;
  if (value !== null && typeof value === 'object' && typeNameOf(value) === undefined) return Object.keys(value).length;
  throw new Error(`len of type ${goType(value)}`);
}

function index(item: unknown, ...keys: unknown[]): unknown {
  let value = item;
  for (const key of keys) {
    if (Array.isArray(value) || isString(value)) {
      if (typeof key !== 'number' || !Number.isInteger(key)) throw new Error(`cannot index slice/array with type ${goType(key)}`);
      if (key < 0 || key >= (Array.isArray(value) ? value.length : Buffer.byteLength(value))) throw new Error(`index out of range: ${key}`);
      value = Array.isArray(value) ? value[key] : Buffer.from(value)[key];
    } else if (value !== null && typeof value === 'object' && typeNameOf(value) === undefined) {
      if (!isString(key)) throw new Error(`value has type ${goType(key)}; should be string`);
      value = Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : NO_VALUE;
    } else if (value === null || value === undefined || value === NO_VALUE) {
      throw new Error('index of untyped nil');
    } else {
      throw new Error(`can't index item of type ${goType(value)}`);
    }
  }
  return value;
}

function slice(item: unknown, ...bounds: unknown[]): unknown {
  if (!isString(item) && !Array.isArray(item)) throw new Error(`can't slice item of type ${goType(item)}`);
  if (bounds.length > 2) throw new Error(`too many slice indexes: ${bounds.length}`);
  const size = item.length;
  const [start = 0, end = size] = bounds as number[];
  for (const bound of [start, end]) if (typeof bound !== 'number' || !Number.isInteger(bound)) throw new Error(`cannot index slice/array with type ${goType(bound)}`);
  if (start < 0 || end > size || start > end) throw new Error(`index out of range: ${start > end ? start : end}`);
  return item.slice(start, end);
}

function comparable(a: unknown, b: unknown, ordered: boolean): void {
  const kind = (value: unknown) => (value === NO_VALUE || value === undefined ? 'nil' : value === null ? 'nil' : typeof value);
  if (ordered && !['number', 'string'].includes(kind(a))) throw new Error('invalid type for comparison');
  if (!ordered && typeof a === 'object' && a !== null) throw new Error(`non-comparable type ${printValue(a)}: ${goType(a)}`);
  if (kind(a) !== kind(b)) throw new Error('incompatible types for comparison');
}

const equal = (a: unknown, b: unknown) => (a === NO_VALUE ? null : a) === (b === NO_VALUE ? null : b);

/** fmt.Sprint: a space between two operands when neither is a string. */
function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((arg, position) => {
    if (position > 0 && !isString(arg) && !isString(args[position - 1])) out += ' ';
    out += printValue(arg);
  });
  return out;
}

/** fmt.Sprintf for the verbs scripts use: %v %s %q %d %t %x %X %o %b %c %f %e %g %%, flags, width and precision. */
export function sprintf(format: string, ...args: unknown[]): string {
  let next = 0;
  const out = format.replace(/%([-+# 0]*)(\*|\d+)?(?:\.(\*|\d+)?)?([a-zA-Z%])?/g, (whole, flags: string, widthText?: string, precisionText?: string, verb?: string) => {
    if (verb === '%') return '%';
    if (verb === undefined) return '%!(NOVERB)';
    const width = widthText === '*' ? Number(args[next++]) : widthText === undefined ? undefined : Number(widthText);
    const precision = precisionText === '*' ? Number(args[next++]) : whole.includes('.') ? Number(precisionText ?? 0) : undefined;
    if (next >= args.length) return `%!${verb}(MISSING)`;
    const arg = args[next++];
    const bad = () => `%!${verb}(${goType(arg)}=${printValue(arg)})`;
    let text: string;
    switch (verb) {
      case 'v':
        text = flags.includes('#') && isString(arg) ? JSON.stringify(arg) : printValue(arg);
        break;
      case 's':
        text = isString(arg) || typeof arg !== 'number' ? printValue(arg) : bad();
        if (precision !== undefined) text = [...text].slice(0, precision).join('');
        break;
      case 'q':
        if (!isString(arg)) return bad();
        text = JSON.stringify(arg);
        break;
      case 't':
        if (typeof arg !== 'boolean') return bad();
        text = String(arg);
        break;
      case 'd':
      case 'x':
      case 'X':
      case 'o':
      case 'b':
      case 'c': {
        if (isString(arg) && (verb === 'x' || verb === 'X')) {
          text = Buffer.from(arg).toString('hex');
          if (verb === 'X') text = text.toUpperCase();
          break;
        }
        if (typeof arg !== 'number' || !Number.isInteger(arg)) return bad();
        if (verb === 'c') {
          text = String.fromCodePoint(arg);
          break;
        }
        const radix = { d: 10, x: 16, X: 16, o: 8, b: 2 }[verb];
        text = Math.abs(arg).toString(radix);
        if (verb === 'X') text = text.toUpperCase();
        if (precision !== undefined) text = text.padStart(precision, '0');
        text = (arg < 0 ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + text;
        break;
      }
      case 'f':
      case 'F':
      case 'e':
      case 'g': {
        if (typeof arg !== 'number') return bad();
        if (verb === 'e') text = arg.toExponential(precision ?? 6).replace(/e([+-])(\d)$/, 'e$10$2');
        else if (verb === 'g') text = precision === undefined ? String(arg) : arg.toPrecision(precision);
        else text = arg.toFixed(precision ?? 6);
        if (arg >= 0 && flags.includes('+')) text = `+${text}`;
        break;
      }
      default:
        return `%!${verb}(${goType(arg)}=${printValue(arg)})`;
    }
    if (width !== undefined && text.length < width) {
      if (flags.includes('-')) text = text.padEnd(width);
      else if (flags.includes('0') && /^[dxXobfFeg]$/.test(verb)) {
        const sign = /^[+\- ]/.test(text) ? text[0]! : '';
        text = sign + text.slice(sign.length).padStart(width - sign.length, '0');
      } else text = text.padStart(width);
    }
    return text;
  });
  if (next < args.length) return `${out}%!(EXTRA ${args.slice(next).map((arg) => `${goType(arg)}=${printValue(arg)}`).join(', ')})`;
  return out;
}

/** JSON as docker's `json` function prints it: no HTML escaping, no trailing newline; a missing key is null. */
function json(value: unknown): string {
  return JSON.stringify(value === NO_VALUE || value === undefined ? null : value, (_key, inner) => (inner === NO_VALUE ? null : inner)) ?? 'null';
}

const strings = (value: unknown, name: string): string[] => {
  if (!Array.isArray(value) || !value.every(isString)) throw new Error(`wrong type for value; expected []string; got ${goType(value)}`);
  void name;
  return value;
};
const string = (value: unknown): string => {
  if (!isString(value)) throw new Error(`wrong type for value; expected string; got ${goType(value)}`);
  return value;
};

export const FUNCTIONS: Record<string, TemplateFunction> = {
  // Go's builtins (and/or: see the executor).
  and: () => undefined,
  or: () => undefined,
  not: (...args) => (wantArgs('not', args, 1), !truth(args[0])),
  len: (...args) => (wantArgs('len', args, 1), length(args[0])),
  index: (item, ...keys) => index(item, ...keys),
  slice: (item, ...bounds) => slice(item, ...bounds),
  print: (...args) => sprint(args),
  println: (...args) => `${args.map(printValue).join(' ')}\n`,
  printf: (format, ...args) => sprintf(string(format), ...args),
  eq: (a, ...rest) => {
    if (rest.length === 0) throw new Error('missing argument for comparison');
    return rest.some((b) => (comparable(a, b, false), equal(a, b)));
  },
  ne: (...args) => (wantArgs('ne', args, 2), comparable(args[0], args[1], false), !equal(args[0], args[1])),
  lt: (...args) => (wantArgs('lt', args, 2), comparable(args[0], args[1], true), (args[0] as number) < (args[1] as number)),
  le: (...args) => (wantArgs('le', args, 2), comparable(args[0], args[1], true), (args[0] as number) <= (args[1] as number)),
  gt: (...args) => (wantArgs('gt', args, 2), comparable(args[0], args[1], true), (args[0] as number) > (args[1] as number)),
  ge: (...args) => (wantArgs('ge', args, 2), comparable(args[0], args[1], true), (args[0] as number) >= (args[1] as number)),
  // docker's (cli/templates): json, split, join, title, lower, upper, pad, truncate.
  json: (...args) => (wantArgs('json', args, 1), json(args[0])),
  split: (...args) => (wantArgs('split', args, 2), string(args[0]).split(string(args[1]))),
  join: (...args) => (wantArgs('join', args, 2), strings(args[0], 'join').join(string(args[1]))),
  title: (...args) => (wantArgs('title', args, 1), string(args[0]).replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, before: string, letter: string) => before + letter.toUpperCase())),
  lower: (...args) => (wantArgs('lower', args, 1), string(args[0]).toLowerCase()),
  upper: (...args) => (wantArgs('upper', args, 1), string(args[0]).toUpperCase()),
  pad: (...args) => (wantArgs('pad', args, 3), `${' '.repeat(Number(args[1]))}${string(args[0])}${' '.repeat(Number(args[2]))}`),
  truncate: (...args) => (wantArgs('truncate', args, 2), [...string(args[0])].slice(0, Number(args[1])).join('')),
};
