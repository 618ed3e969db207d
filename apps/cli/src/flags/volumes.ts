/**
 * `-v/--volume` and `--mount` into the `VolumeSpec` of @skiff/plugin (a source path or volume name, a target, read-only, a
 * driver and its options):
 *
 *   -v HOST:CONTAINER[:OPTIONS]        OPTIONS = comma list of ro | rw | driver=NAME | key=value
 *   -v NAME:CONTAINER[:OPTIONS]        a named volume: docker's rule, a source without '/' is a name
 *   -v CONTAINER                       an anonymous volume (source '')
 *   --mount type=bind,source=HOST,target=CONTAINER[,readonly][,volume-driver=NAME][,volume-opt=key=value]
 *   --mount type=volume[,source=NAME],target=CONTAINER[,readonly][,volume-driver=NAME][,volume-opt=key=value]
 *   --mount type=tmpfs,target=CONTAINER[,tmpfs-size=N][,tmpfs-mode=OCTAL]   (a TmpfsRequest, not a volume)
 *
 * The -v form splits on ':' (an earlier runtime split on '/', so `/srv/data:/data` broke), so its paths cannot
 * contain ':'; --mount can carry them. Both refuse '..' components, relative paths, NUL and newlines, and a
 * volume over the container's '/'; paths come back normalised ('//' collapsed, no trailing '/').
 */
import { posix } from 'node:path';
import { invalidArgument } from '@skiff/plugin/errors';
import { VOLUME_NAME, type VolumeSpec } from '@skiff/plugin/volume';
import type { TmpfsRequest } from '@skiff/core';

const VOLUME_FORM = 'expected -v /host/dir:/container/dir[:ro]';
const MOUNT_FORM = 'expected --mount type=bind,source=/host/dir,target=/container/dir[,readonly]';
/** Same rule as the driver registry's names. */
const DRIVER_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const OPTION_KEY = /^[A-Za-z][A-Za-z0-9_.-]*$/;


export function parseVolumeSpec(spec: string): VolumeSpec {
  const fail = (what: string) => invalidArgument(`invalid volume ${JSON.stringify(spec)}: ${what}; ${VOLUME_FORM}`);
  rejectControlCharacters(spec, fail);
  const parts = spec.split(':');
  if (parts.length > 3) throw fail("too many ':' (a path containing ':' needs --mount)");
  const [host = '', container, optionList] = parts;
  // docker: `-v /path` alone is an anonymous volume at /path.
  if (container === undefined) return { source: '', target: checkPath(host, 'container path', fail), readOnly: false, options: {} };
  const source = host.includes('/') || host === '' ? checkPath(host, 'host path', fail) : volumeName(host, fail);
  const target = checkPath(container, 'container path', fail);
  const result: VolumeSpec = { source, target, readOnly: false, options: {} };
  if (optionList === undefined) return result;
  if (optionList === '') throw fail("empty option list after the last ':'");
  let access: 'ro' | 'rw' | undefined;
  for (const word of optionList.split(',')) {
    if (word === 'ro' || word === 'rw') {
      if (access !== undefined && access !== word) throw fail('both ro and rw given');
      access = word;
      continue;
    }
    const equals = word.indexOf('=');
    if (equals <= 0) {
      throw fail(word === '' ? 'empty option' : `unknown option ${JSON.stringify(word)} (options: ro, rw, driver=NAME, key=value)`);
    }
    addOption(result, word.slice(0, equals), word.slice(equals + 1), fail);
  }
  result.readOnly = access === 'ro';
  return result;
}

/** `--mount`: a volume (bind or volume), or a tmpfs mount (type=tmpfs), which is not a volume. */
export function parseMount(value: string): { volume: VolumeSpec } | { tmpfs: TmpfsRequest } {
  const fail = (what: string) => invalidArgument(`invalid --mount ${JSON.stringify(value)}: ${what}; ${MOUNT_FORM}`);
  rejectControlCharacters(value, fail);
  const fields = splitCsv(value, fail);
  if (!fields.some((f) => f.toLowerCase() === 'type=tmpfs')) return { volume: parseMountFlag(value) };
  let target: string | undefined;
  const options: string[] = [];
  for (const field of fields) {
    const equals = field.indexOf('=');
    const key = (equals < 0 ? field : field.slice(0, equals)).toLowerCase();
    const fieldValue = equals < 0 ? undefined : field.slice(equals + 1);
    if (key === 'type') continue;
    if (key === 'target' || key === 'destination' || key === 'dst') {
      if (target !== undefined) throw fail('target given twice');
      target = checkPath(fieldValue ?? '', 'target', fail);
    } else if (key === 'tmpfs-size' && fieldValue && /^[0-9]+[kmgKMG]?$/.test(fieldValue)) {
      options.push(`size=${fieldValue}`);
    } else if (key === 'tmpfs-mode' && fieldValue && /^[0-7]{1,4}$/.test(fieldValue)) {
      options.push(`mode=${fieldValue}`);
    } else if ((key === 'readonly' || key === 'ro') && parseBoolean(fieldValue, key, fail)) {
      options.push('ro');
    } else if (key === 'readonly' || key === 'ro') {
      continue;
    } else {
      throw fail(`field ${JSON.stringify(field)} does not fit type=tmpfs (fields: target, tmpfs-size=N[kmg], tmpfs-mode=OCTAL, readonly)`);
    }
  }
  if (target === undefined) throw fail('missing target=');
  return { tmpfs: { target, options } };
}

export function parseMountFlag(value: string): VolumeSpec {
  const fail = (what: string) => invalidArgument(`invalid --mount ${JSON.stringify(value)}: ${what}; ${MOUNT_FORM}`);
  rejectControlCharacters(value, fail);
  let type: string | undefined;
  let source: string | undefined;
  let target: string | undefined;
  let readOnly: boolean | undefined;
  const result: VolumeSpec = { source: '', target: '', readOnly: false, options: {} };
  const once = <T>(current: T | undefined, key: string, next: T): T => {
    if (current !== undefined) throw fail(`${key} given twice`);
    return next;
  };
  for (const field of splitCsv(value, fail)) {
    const equals = field.indexOf('=');
    const key = (equals < 0 ? field : field.slice(0, equals)).toLowerCase();
    const fieldValue = equals < 0 ? undefined : field.slice(equals + 1);
    switch (key) {
      case 'type':
        type = once(type, 'type', fieldValue ?? '');
        break;
      case 'source':
      case 'src':
        source = once(source, 'source', fieldValue ?? '');
        break;
      case 'target':
      case 'destination':
      case 'dst':
        target = once(target, 'target', fieldValue ?? '');
        break;
      case 'readonly':
      case 'ro':
        readOnly = once(readOnly, 'readonly', parseBoolean(fieldValue, key, fail));
        break;
      case 'volume-driver':
        if (fieldValue === undefined) throw fail('volume-driver needs a value');
        addOption(result, 'driver', fieldValue, fail);
        break;
      case 'volume-opt': {
        const inner = fieldValue?.indexOf('=') ?? -1;
        if (fieldValue === undefined || inner <= 0) throw fail('volume-opt needs the form volume-opt=key=value');
        addOption(result, fieldValue.slice(0, inner), fieldValue.slice(inner + 1), fail);
        break;
      }
      case '':
        throw fail('empty field');
      default:
        throw fail(`unknown field ${JSON.stringify(key)} (fields: type, source, target, readonly, volume-driver, volume-opt)`);
    }
  }
  if (type !== undefined && type !== 'bind' && type !== 'volume') {
    throw fail(`type ${JSON.stringify(type)} is not supported; use type=bind, type=volume or type=tmpfs`);
  }
  if (source === undefined && type !== 'volume') throw fail('missing source=');
  if (target === undefined) throw fail('missing target=');
  // type=volume without a source is an anonymous volume (source '').
  if (source === undefined) result.source = '';
  else result.source = type === 'volume' && !source.includes('/') ? volumeName(source, fail) : checkPath(source, 'source', fail);
  result.target = checkPath(target, 'target', fail);
  result.readOnly = readOnly ?? false;
  return result;
}

type Fail = (what: string) => Error;

/** docker's volume name rule; the message says what a name may hold. */
function volumeName(name: string, fail: Fail): string {
  if (!VOLUME_NAME.test(name)) {
    const shown = name.length > 80 ? `${JSON.stringify(name.slice(0, 80))}...` : JSON.stringify(name);
    throw fail(`volume name ${shown} is invalid (1 to 255 of letters, digits, "_", "." and "-", starting with a letter or digit)`);
  }
  return name;
}

function rejectControlCharacters(text: string, fail: Fail): void {
  if (/[\0\n\r]/.test(text)) throw fail('contains a NUL or newline character');
}

/** Absolute, no '..', normalised; a container path may not be '/'. */
function checkPath(path: string, what: string, fail: Fail): string {
  if (path === '') throw fail(`empty ${what}`);
  if (!path.startsWith('/')) {
    throw fail(`${what} ${JSON.stringify(path)} is not absolute${what.startsWith('host') || what === 'source' ? ' (a volume name is letters, digits, "_", "." and "-")' : ''}`);
  }
  if (path.split('/').includes('..')) throw fail(`${what} ${JSON.stringify(path)} contains a '..' component`);
  let normal = posix.normalize(path);
  if (normal.length > 1 && normal.endsWith('/')) normal = normal.slice(0, -1);
  if (normal === '/' && (what.startsWith('container') || what === 'target')) throw fail("cannot mount a volume over the container's root /");
  return normal;
}

function addOption(spec: VolumeSpec, key: string, value: string, fail: Fail): void {
  if (key === 'driver') {
    if (spec.driver !== undefined) throw fail('driver given twice');
    if (!DRIVER_NAME.test(value)) throw fail(`driver name ${JSON.stringify(value)} is invalid`);
    spec.driver = value;
    return;
  }
  if (!OPTION_KEY.test(key)) throw fail(`option name ${JSON.stringify(key)} is invalid`);
  if (value === '') throw fail(`option ${key}= has no value`);
  // Object.hasOwn, not `in`: `in` also sees Object.prototype, so `constructor=x` was refused as "given twice".
  if (Object.hasOwn(spec.options, key) && spec.options[key] !== value) throw fail(`option ${key} given twice`);
  spec.options[key] = value;
}

function parseBoolean(value: string | undefined, key: string, fail: Fail): boolean {
  if (value === undefined || value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  // Escaped (without the quotes), so a tab or escape sequence in the value cannot reach the terminal raw.
  throw fail(`${key}=${JSON.stringify(value).slice(1, -1)} is not true or false`);
}

/** Splits one CSV record as docker does for --mount: fields may be "quoted", with "" for a quote. */
function splitCsv(text: string, fail: Fail): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      fields.push(field);
      field = '';
    } else {
      field += char;
    }
  }
  if (quoted) throw fail('unterminated quote');
  fields.push(field);
  return fields;
}

/** `--volumes-from CONTAINER[:ro|:rw]` (docker's): the container, and the mode forced on its volumes, if any. */
export function parseVolumesFrom(text: string): { container: string; readOnly?: boolean } {
  const colon = text.lastIndexOf(':');
  const [container, mode] = colon > 0 ? [text.slice(0, colon), text.slice(colon + 1)] : [text, undefined];
  if (!container || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) {
    throw invalidArgument(`invalid --volumes-from ${JSON.stringify(text)}: use CONTAINER, CONTAINER:ro or CONTAINER:rw`);
  }
  return { container, ...(mode ? { readOnly: mode === 'ro' } : {}) };
}
