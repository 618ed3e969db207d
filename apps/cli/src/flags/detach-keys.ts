import { SkiffError } from '@skiff/plugin/errors';

/** docker's default: Ctrl-P Ctrl-Q. */
export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** What may follow `ctrl-`: a-z and @ [ \ ] ^ _ (docker's set; the control code is the char's code & 0x1f). */
const CTRL = /^[a-z@[\\\]^_]$/;

/**
 * docker's --detach-keys: comma-separated keys, each a single character or `ctrl-<c>`. Returns the bytes the
 * sequence is made of. '' means the default.
 */
export function parseDetachKeys(text: string): Buffer {
  const spec = text === '' ? DEFAULT_DETACH_KEYS : text;
  const bytes: number[] = [];
  for (const key of spec.split(',')) {
    const lower = key.toLowerCase();
    if (key.length === 1 && key.charCodeAt(0) < 0x80) bytes.push(key.charCodeAt(0));
    else if (lower.startsWith('ctrl-') && CTRL.test(lower.slice(5))) bytes.push(lower.charCodeAt(5) & 0x1f);
    else {
      throw new SkiffError('INVALID_ARGUMENT', `Invalid detach keys (${text}) provided`, {
        hint: "a comma-separated list of single characters and ctrl-<a-z, @, [, \\, ], ^ or _>, e.g. ctrl-p,ctrl-q",
      });
    }
  }
  return Buffer.from(bytes);
}

/**
 * Watches input for the detach sequence, as docker's escape proxy: bytes that may begin the sequence are held
 * back until it is clear whether they do; a mismatch passes them on. `feed` returns what to forward and whether
 * the sequence was completed (what follows it in the same chunk is dropped).
 */
export function detachMatcher(keys: Buffer): (chunk: Buffer) => { forward: Buffer; detach: boolean } {
  let matched = 0;
  return (chunk) => {
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === keys[matched]) {
        matched++;
        if (matched === keys.length) return { forward: Buffer.from(out), detach: true };
        continue;
      }
      // A mismatch: of the held bytes plus this one, the longest tail that still begins the sequence stays held
      // (keys "aab", input "aaab"); what comes before it was input after all.
      const held = [...keys.subarray(0, matched), byte];
      let from = 1;
      while (from < held.length && !held.slice(from).every((b, i) => b === keys[i])) from++;
      out.push(...held.slice(0, from));
      matched = held.length - from;
    }
    return { forward: Buffer.from(out), detach: false };
  };
}
