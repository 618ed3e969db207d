import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detachMatcher, parseDetachKeys } from './detach-keys.js';

describe('--detach-keys', () => {
  it('parses docker forms', () => {
    expect([...parseDetachKeys('')]).toEqual([0x10, 0x11]);
    expect([...parseDetachKeys('ctrl-a,b,ctrl-@,ctrl-_')]).toEqual([1, 0x62, 0, 0x1f]);
    expect([...parseDetachKeys('CTRL-X')]).toEqual([0x18]);
  });

  it.each(['ctrl-', 'ctrl-1', 'ab', 'ctrl-ab', ',', 'a,,b', 'é', 'ctrl-p,'])('refuses %j with one line', (bad) => {
    expect(() => parseDetachKeys(bad)).toThrow(`Invalid detach keys (${bad}) provided`);
  });

  it('finds a sequence that overlaps a false start', () => {
    const feed = detachMatcher(Buffer.from('aab'));
    expect(feed(Buffer.from('xaaab'))).toEqual({ forward: Buffer.from('xa'), detach: true });
  });

  it('never throws anything but its own error', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          parseDetachKeys(text);
        } catch (error) {
          expect((error as Error).message).toMatch(/^Invalid detach keys/);
        }
      }),
    );
  });

  it('forwards exactly the input up to the sequence, however it is chunked', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 3, min: 0, max: 2 }),
        fc.uint8Array({ maxLength: 200, min: 0, max: 3 }),
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 5 }),
        (keyBytes, input, cuts) => {
          const keys = Buffer.from(keyBytes);
          const data = Buffer.from(input);
          const feed = detachMatcher(keys);
          let forwarded = Buffer.alloc(0);
          let detached = false;
          for (let at = 0, i = 0; at < data.length && !detached; i++) {
            const next = Math.min(data.length, at + cuts[i % cuts.length]!);
            const result = feed(data.subarray(at, next));
            forwarded = Buffer.concat([forwarded, result.forward]);
            detached = result.detach;
            at = next;
          }
          const index = data.indexOf(keys);
          if (index >= 0) {
            expect(detached).toBe(true);
            expect(forwarded.equals(data.subarray(0, index))).toBe(true);
          } else {
            expect(detached).toBe(false);
            // Held back: at most a proper prefix of the sequence at the very end.
            expect(data.subarray(0, forwarded.length).equals(forwarded)).toBe(true);
            expect(data.length - forwarded.length).toBeLessThan(keys.length);
          }
        },
      ),
    );
  });
});
