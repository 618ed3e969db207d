// Property-based tests of the volume flag parsers: any input gives a valid VolumeSpec or one clear
// INVALID_ARGUMENT line; accepted specs are normalised and survive formatting back into either flag form.
import { posix } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SkiffError, VOLUME_NAME, type VolumeSpec } from '@skiff/plugin';
import { anyString, attempt } from '../../../../test/fuzz.js';
import { parseMountFlag, parseVolumeSpec } from './volumes.js';

const DRIVER_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const OPTION_KEY = /^[A-Za-z][A-Za-z0-9_.-]*$/;

const isNormalAbsolute = (path: string) =>
  path.startsWith('/') &&
  posix.normalize(path) === path &&
  (path === '/' || !path.endsWith('/')) &&
  !path.includes('//') &&
  !path.split('/').some((part) => part === '..' || part === '.');

/** Everything an accepted spec promises (see VolumeSpec). */
function expectValidSpec(spec: VolumeSpec): void {
  // '' is an anonymous volume (-v /path, --mount type=volume without source).
  expect(spec.source === '' || VOLUME_NAME.test(spec.source) || isNormalAbsolute(spec.source), `source ${JSON.stringify(spec.source)}`).toBe(true);
  expect(isNormalAbsolute(spec.target), `target ${JSON.stringify(spec.target)}`).toBe(true);
  expect(spec.target).not.toBe('/');
  for (const path of [spec.source, spec.target]) expect(path).not.toMatch(/[\0\n\r]/);
  expect(typeof spec.readOnly).toBe('boolean');
  if (spec.driver !== undefined) expect(spec.driver).toMatch(DRIVER_NAME);
  expect(Object.getPrototypeOf(spec.options)).toBe(Object.prototype);
  for (const [key, value] of Object.entries(spec.options)) {
    expect(key).toMatch(OPTION_KEY);
    expect(key).not.toBe('driver');
    expect(value).not.toBe('');
  }
}

/** `-v` form, when the spec fits it (no ':' anywhere, no ',' in option values); else undefined. */
function formatVolumeSpec(spec: VolumeSpec): string | undefined {
  if (spec.source === '') return spec.readOnly || spec.driver || Object.keys(spec.options).length || spec.target.includes(':') ? undefined : spec.target;
  const options = [spec.readOnly ? 'ro' : undefined, spec.driver && `driver=${spec.driver}`, ...Object.entries(spec.options).map(([k, v]) => `${k}=${v}`)]
    .filter((word): word is string => word !== undefined);
  const text = `${spec.source}:${spec.target}${options.length ? `:${options.join(',')}` : ''}`;
  if (`${spec.source}${spec.target}${options.join('')}`.includes(':') || Object.values(spec.options).some((v) => v.includes(','))) return undefined;
  return text;
}

/** `--mount` form: can say everything, with CSV quoting where a field holds ',' or '"'. */
function formatMountFlag(spec: VolumeSpec): string {
  const quote = (field: string) => (/[",]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field);
  const fields = [
    `type=${spec.source.startsWith('/') ? 'bind' : 'volume'}`,
    ...(spec.source === '' ? [] : [`source=${spec.source}`]),
    `target=${spec.target}`,
    ...(spec.readOnly ? ['readonly'] : []),
    ...(spec.driver ? [`volume-driver=${spec.driver}`] : []),
    ...Object.entries(spec.options).map(([k, v]) => `volume-opt=${k}=${v}`),
  ];
  return fields.map(quote).join(',');
}

/** Accepted specs are valid and come back the same from both flag forms (normalisation is idempotent). */
function expectRoundTrip(spec: VolumeSpec): void {
  expectValidSpec(spec);
  const volume = formatVolumeSpec(spec);
  if (volume !== undefined) expect(parseVolumeSpec(volume)).toEqual(spec);
  expect(parseMountFlag(formatMountFlag(spec))).toEqual(spec);
}

const segment = fc.oneof(
  fc.constantFrom('', '.', '..', '...', 'a', 'data', 'x y', 'é', 'a.b', '-', 'a:b', 'a,b', 'a"b', 'a\0b', 'a\nb', 'a\rb', 'a\tb'),
  fc.stringMatching(/^[a-zA-Z0-9_.-]{1,6}$/),
);
/** Near-valid paths: mostly absolute, with '//', '.', '..', trailing '/' and odd characters. */
const path = fc
  .tuple(fc.boolean(), fc.array(segment, { maxLength: 5 }), fc.boolean())
  .map(([absolute, parts, trailing]) => `${absolute ? '/' : ''}${parts.join('/')}${trailing ? '/' : ''}`);
const volumeName = fc.oneof(fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,8}$/), fc.constantFrom('a', '.x', '-x', 'x/y', 'x y'));
const optionKey = fc.oneof(
  fc.constantFrom('size', 'workdir', 'uid', 'a.b', 'constructor', 'toString', 'hasOwnProperty', '__proto__', 'valueOf', '1x', '', 'k k', 'driver', 'ro'),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,6}$/),
);
const optionValue = fc.oneof(fc.constantFrom('', '1', '10m', '/w', 'a=b', 'x y', 'a"b', 'a,b', 'a:b'), fc.stringMatching(/^[a-z0-9/=.]{1,6}$/));
const driverName = fc.oneof(fc.constantFrom('overlay', 'bind', 'tmpfs', 'Bad!', '', '.x', 'a_b'), fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,6}$/));
const optionWord = fc.oneof(
  fc.constantFrom('ro', 'rw', '', 'RO', 'readonly', '=x', 'garbage'),
  driverName.map((name) => `driver=${name}`),
  fc.tuple(optionKey, optionValue).map(([key, value]) => `${key}=${value}`),
  fc.string({ maxLength: 8 }),
);
const nearVolumeSpec = fc
  .tuple(fc.oneof(path, volumeName), path, fc.option(fc.array(optionWord, { maxLength: 4 }), { nil: undefined }))
  .map(([host, container, options]) => `${host}:${container}${options === undefined ? '' : `:${options.join(',')}`}`);

const mountField = fc.oneof(
  fc.constantFrom('type=bind', 'type=volume', 'type=tmpfs', 'type', 'readonly', 'ro', 'readonly=true', 'readonly=0', 'readonly=maybe', 'volume-opt', 'volume-opt=x', 'volume-driver', ''),
  path.map((p) => `source=${p}`),
  path.map((p) => `src=${p}`),
  volumeName.map((name) => `source=${name}`),
  path.map((p) => `target=${p}`),
  path.map((p) => `dst=${p}`),
  driverName.map((name) => `volume-driver=${name}`),
  fc.tuple(optionKey, optionValue).map(([key, value]) => `volume-opt=${key}=${value}`),
  fc.string({ maxLength: 8 }),
);
const quoteField = (field: string) => fc.constantFrom(field, `"${field.replaceAll('"', '""')}"`, `"${field}`);
const nearMountFlag = fc.array(mountField.chain(quoteField), { maxLength: 6 }).map((fields) => fields.join(','));

/** Specs that must be accepted: clean absolute paths (any spelling), unique option keys. */
const cleanPath = fc
  .tuple(fc.array(fc.oneof(fc.stringMatching(/^[a-zA-Z0-9_-][a-zA-Z0-9_.-]{0,6}$/), fc.constantFrom('', '.', 'constructor')), { maxLength: 4 }), fc.boolean())
  .map(([parts, trailing]) => `/${parts.join('/')}${trailing ? '/' : ''}`);
const realTarget = fc.tuple(cleanPath, fc.stringMatching(/^[a-zA-Z0-9_-]{1,6}$/)).map(([dir, name]) => `${dir}/${name}`);
const validOptions = fc.dictionary(
  fc.oneof(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,6}$/), fc.constantFrom('constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf')).filter((k) => k !== 'driver'),
  fc.stringMatching(/^[a-z0-9/=.]{1,6}$/),
  { maxKeys: 3 },
);

const kind = SkiffError;
const RUNS = { numRuns: 200 };

describe('parseVolumeSpec (fuzz)', () => {
  it('any string: a valid spec or one INVALID_ARGUMENT line', () => {
    fc.assert(
      fc.property(fc.oneof(anyString([':', '/', ',', 'ro', 'rw', 'driver=', '=']), nearVolumeSpec), (text) => {
        const outcome = attempt(() => parseVolumeSpec(text), kind, [text]);
        if (outcome.ok) expectRoundTrip(outcome.value);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts every well-formed spec and normalises its paths', () => {
    fc.assert(
      fc.property(cleanPath, realTarget, fc.option(fc.constantFrom('ro', 'rw'), { nil: undefined }), fc.option(driverName.filter((d) => DRIVER_NAME.test(d)), { nil: undefined }), validOptions, (host, target, access, driver, options) => {
        const words = [access, driver && `driver=${driver}`, ...Object.entries(options).map(([k, v]) => `${k}=${v}`)].filter(Boolean);
        const text = `${host}:${target}${words.length ? `:${words.join(',')}` : ''}`;
        const spec = parseVolumeSpec(text);
        expect(spec.source).toBe(posix.normalize(host).replace(/(.)\/$/, '$1'));
        expect(spec.target).toBe(posix.normalize(target).replace(/(.)\/$/, '$1'));
        expect(spec.readOnly).toBe(access === 'ro');
        expect(spec.driver).toBe(driver);
        expect(spec.options).toEqual(options);
        expectRoundTrip(spec);
      }),
      RUNS,
    );
  });
});

describe('option names that Object.prototype also has', () => {
  // Regression (found by the fuzz suite): `key in options` saw Object.prototype, so constructor=x was "given twice".
  it.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty'])('accepts %s=x in both forms', (key) => {
    expect(parseVolumeSpec(`/a:/b:${key}=x`).options).toEqual({ [key]: 'x' });
    expect(parseMountFlag(`source=/a,target=/b,volume-opt=${key}=x`).options).toEqual({ [key]: 'x' });
  });
});

// Regression (found by the fuzz suite): the readonly= value was echoed raw, so a tab or ESC in it reached the terminal.
it('escapes a bad readonly= value in the message', () => {
  const outcome = attempt(() => parseMountFlag('source=/a,target=/b,readonly=x\ty\x1b'), kind, ['readonly=x\ty\x1b']);
  expect(outcome.ok || outcome.error.message).toContain('readonly=x\\ty\\u001b is not true or false');
});

describe('parseMountFlag (fuzz)', () => {
  it('any string: a valid spec or one INVALID_ARGUMENT line', () => {
    fc.assert(
      fc.property(fc.oneof(anyString(['type=', 'source=', 'target=', 'readonly', '"', 'volume-opt=']), nearMountFlag), (text) => {
        const outcome = attempt(() => parseMountFlag(text), kind, [text]);
        if (outcome.ok) expectRoundTrip(outcome.value);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts every well-formed --mount, whatever the field order and quoting', () => {
    fc.assert(
      fc.property(cleanPath, realTarget, fc.boolean(), validOptions, fc.integer(), (source, target, readOnly, options, seed) => {
        const fields = [`type=bind`, `source=${source}`, `target=${target}`, ...(readOnly ? ['readonly'] : []), ...Object.entries(options).map(([k, v]) => `volume-opt=${k}=${v}`)];
        const shuffled = fields.map((field, index) => ({ field, order: (index * 7919 + seed) % 101 })).sort((a, b) => a.order - b.order);
        const spec = parseMountFlag(shuffled.map(({ field }, index) => (index % 2 ? `"${field}"` : field)).join(','));
        expect(spec).toEqual({ source: posix.normalize(source).replace(/(.)\/$/, '$1'), target: posix.normalize(target).replace(/(.)\/$/, '$1'), readOnly, options });
        expectRoundTrip(spec);
      }),
      RUNS,
    );
  });
});
