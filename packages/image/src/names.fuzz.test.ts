// Property-based tests of image names: any input gives a canonical name or one INVALID_ARGUMENT line; canonical
// names are fixed points naming the same image (docker.io/, library/ and ':latest' implied), and their record file names stay inside the images directory.
import { posix } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { anyString, attempt } from '../../../test/fuzz.js';
import { canonicalImageName, imageFileName } from './names.js';
import { parseReference } from './reference.js';

const kind = SkiffError;

const component = fc.oneof(
  fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,8}$/),
  fc.constantFrom('', '.', '..', 'A', 'a b', 'é', 'a:b', 'localhost:5000', '%2f', 'a%', '-a', '_a'),
);
const tag = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,10}$/), fc.constantFrom('', 'latest', 'LATEST', '.x', '-x', 'a/b', 'a:b', 'x'.repeat(128), 'x'.repeat(129)));
const nearName = fc
  .tuple(fc.array(component, { minLength: 1, maxLength: 4 }), fc.option(tag, { nil: undefined }))
  .map(([parts, t]) => `${parts.join('/')}${t === undefined ? '' : `:${t}`}`);
const longName = fc.nat({ max: 400 }).map((n) => `${'a'.repeat(n)}:v1`);

describe('canonicalImageName (fuzz)', () => {
  it('any string: a canonical name or one INVALID_ARGUMENT line', () => {
    fc.assert(
      fc.property(fc.oneof(anyString(['a', 'b', '/', ':', 'latest', '.', '_']), nearName, longName), (name) => {
        const outcome = attempt(() => canonicalImageName(name), kind, [name]);
        if (!outcome.ok) return;
        const canonical = outcome.value;
        expect(canonicalImageName(canonical)).toBe(canonical);
        // The same image as the input names, in its shortest form.
        const [a, b] = [parseReference(name), parseReference(canonical)];
        expect(b).toEqual(a.digest === undefined ? a : { ...a, tag: undefined });
        expect(canonical.endsWith(':latest')).toBe(false);
        if (!/[:@]/.test(canonical.split('/').at(-1)!)) expect(canonicalImageName(`${canonical}:latest`)).toBe(canonical);
        for (const part of canonical.split(/[:@]/)[0]!.split('/')) expect(['', '.', '..']).not.toContain(part);
        // The record file sits directly in the images directory, and decodes back to the name.
        const file = imageFileName(canonical);
        expect(posix.dirname(posix.join('/images', file))).toBe('/images');
        expect(['.', '..']).not.toContain(file);
        expect(decodeURIComponent(file.slice(0, -'.json'.length))).toBe(canonical);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts every well-formed name with an optional tag', () => {
    const good = fc.tuple(
      fc.array(fc.stringMatching(/^[a-z0-9]{1,3}(?:(?:_|__|-+)[a-z0-9]{1,3}){0,2}$/), { minLength: 1, maxLength: 3 }),
      fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,10}$/), { nil: undefined }),
    );
    fc.assert(
      fc.property(good, ([parts, t]) => {
        const name = `${parts.join('/')}${t === undefined ? '' : `:${t}`}`;
        const bare = parts[0] === 'library' && parts.length === 2 ? parts[1]! : parts.join('/');
        expect(canonicalImageName(name)).toBe(t === 'latest' || t === undefined ? bare : `${bare}:${t}`);
      }),
      { numRuns: 200 },
    );
  });
});
