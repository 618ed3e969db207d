// Shared helpers for the property-based (*.fuzz.test.ts) suites: what a parser may do with any input is either
// return a value or throw one clear error: a branded skiff error with an expected code and a one-line message.
import fc from 'fast-check';
import { expect } from 'vitest';

// In CI the inputs are the same every run (a submission must not fail on a case nobody has seen); elsewhere
// each run explores new ones. FUZZ_SEED=N replays a run; fast-check prints the seed of any failure.
const seed = process.env.FUZZ_SEED ?? (process.env.CI ? '20261128' : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });

/** SkiffError or CgroupError: anything recognised by a static brand check. */
export interface ErrorKind {
  name: string;
  isInstance(value: unknown): boolean;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: Error & { code: string } };

/** Fixed text a message may add around echoed input; the inputs themselves may be echoed (quoted) twice. */
const MESSAGE_BUDGET = 300;

/**
 * Asserts `error` is a `kind` error with one of `codes` and a message a person can read on one line: non-empty,
 * no control characters (a raw newline, CR, tab or ESC from the input would break or forge terminal lines), no
 * stack text, and short apart from the echoed `inputs`.
 */
export function expectCleanError(error: unknown, kind: ErrorKind, codes: string[], inputs: unknown[]): asserts error is Error & { code: string } {
  expect(kind.isInstance(error), `expected a ${kind.name}, got ${describe(error)}`).toBe(true);
  const { code, message } = error as { code: string; message: unknown };
  expect(codes, `unexpected code ${code}: ${String(message)}`).toContain(code);
  expect(typeof message).toBe('string');
  const text = message as string;
  expect(text.trim().length, 'empty message').toBeGreaterThan(0);
  // eslint-disable-next-line no-control-regex
  expect(text, 'message has a control character (a raw newline from the input?)').not.toMatch(/[\x00-\x1f\x7f]/);
  // Stack frames look like "at fn (file:line:col)"; echoed input may contain anything, so leave it out of the check.
  const own = inputs.reduce<string>((rest, input) => rest.split(JSON.stringify(String(input))).join('').split(String(input)).join(''), text);
  expect(own, 'message has stack text').not.toMatch(/\bat \S+ \(\S+:\d+:\d+\)|node:internal/);
  const echo = inputs.reduce<number>((sum, input) => sum + 2 * JSON.stringify(String(input)).length, 0);
  expect(text.length, `message too long: ${text.slice(0, 200)}…`).toBeLessThanOrEqual(MESSAGE_BUDGET + echo);
}

/** Runs `run` and returns its value, or the error after checking it with `expectCleanError`. */
export function attempt<T>(run: () => T, kind: ErrorKind, inputs: unknown[], codes = ['INVALID_ARGUMENT']): Outcome<T> {
  let value: T;
  try {
    value = run();
  } catch (error) {
    expectCleanError(error, kind, codes, inputs);
    return { ok: false, error };
  }
  return { ok: true, value };
}

export async function attemptAsync<T>(run: () => Promise<T>, kind: ErrorKind, inputs: unknown[], codes = ['INVALID_ARGUMENT']): Promise<Outcome<T>> {
  let value: T;
  try {
    value = await run();
  } catch (error) {
    expectCleanError(error, kind, codes, inputs);
    return { ok: false, error };
  }
  return { ok: true, value };
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Strings a parser should survive: printable ASCII, any UTF-16 (lone surrogates included), and short words
 * from an alphabet of characters that matter to parsers (separators, quotes, control characters).
 */
export const anyString = (alphabet: string[] = []) =>
  fc.oneof(
    fc.string({ maxLength: 40 }),
    // Any UTF-16 code units (fc.string's 'binary' unit costs a second to set up under vitest).
    fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 20 }).map((units) => String.fromCharCode(...units)),
    fc.array(fc.constantFrom(...alphabet, ...SPECIAL), { maxLength: 20 }).map((parts) => parts.join('')),
  );

/** Characters that tend to break parsers. */
export const SPECIAL = ['', ' ', '\t', '\n', '\r', '\0', '\x1b', '\u2028', '\ud800', '"', "'", '\\', '/', ':', ',', '=', '-', '.', '..', '0', '1', '9', 'a', 'Z', 'é', '😀'];
