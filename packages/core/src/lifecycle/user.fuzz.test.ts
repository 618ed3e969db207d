// Property-based tests of user (`-u USER[:GROUP]`) resolution against a container's own /etc/passwd and /etc/group:
// whatever the files and the flag hold, the result is the ids the files say, or one clear skiff error; and a
// symlinked /etc/passwd never leads the lookup outside the container's root.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/support.js';
import { SkiffError } from '@skiff/plugin';
import { anyString, attemptAsync } from '../../../../test/fuzz.js';
import { resolveUser } from './user.js';

const kind = SkiffError;
const CODES = ['INVALID_ARGUMENT', 'NOT_FOUND'];
const MAX_ID = 0xfffffffe;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

function rootWith(passwd: string, group: string): string {
  const root = tempDir('skiff-fuzz-user-');
  mkdirSync(join(root, 'etc'));
  write(root, passwd, group);
  return root;
}
function write(root: string, passwd: string, group: string): void {
  writeFileSync(join(root, 'etc/passwd'), passwd);
  writeFileSync(join(root, 'etc/group'), group);
}

const names = ['root', 'bob', 'alice', '0', '1000', 'a b', ''];
/** Id fields as files hold them, well-formed or plainly not; not the forms Number() wrongly accepts (pinned below). */
const idField = fc.oneof(
  fc.nat({ max: 70_000 }).map(String),
  fc.constantFrom('0', '007', '4294967294', '4294967295', '99999999999999999999', 'x', 'abc', '1-2', '1.5'),
);
const entry = fc.tuple(fc.constantFrom(...names), fc.option(idField, { nil: undefined }), fc.option(idField, { nil: undefined }));
const passwdLine = entry.map(([name, uid, gid]) => [name, 'x', uid, gid, 'gecos', '/home', '/bin/sh'].slice(0, uid === undefined ? 2 : gid === undefined ? 3 : 7).join(':'));
const groupLine = fc.tuple(fc.constantFrom(...names), fc.option(idField, { nil: undefined })).map(([name, gid]) => (gid === undefined ? `${name}:x` : `${name}:x:${gid}:bob`));
const file = (line: fc.Arbitrary<string>) =>
  fc.array(fc.oneof({ weight: 4, arbitrary: line }, fc.constantFrom('', '# comment', 'garbage', ':::')), { maxLength: 6 }).map((lines) => lines.join('\n'));
const spec = fc
  .tuple(fc.constantFrom(...names.filter(Boolean), '65534', '4294967295', 'nobody'), fc.option(fc.constantFrom(...names.filter(Boolean), '5', '4294967295', 'wheel'), { nil: undefined }))
  .map(([user, group]) => (group === undefined ? user : `${user}:${group}`));

/** The request the CLI's -u parser makes of a text; two ':' keep it whole (refused by resolveUser as a name with ':'). */
const request = (text: string) => {
  const colon = text.indexOf(':');
  const group = text.slice(colon + 1);
  return colon < 0 || group.includes(':') ? { user: text } : { user: text.slice(0, colon), group };
};

const table = (text: string) => text.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => line.split(':'));
const id = (field: string | undefined) => (field !== undefined && /^\d+$/.test(field) && Number(field) <= MAX_ID ? Number(field) : undefined);

/** What the files say, independently of the implementation: ids, or the error code. */
function expected(passwd: string, group: string, text: string): { uid: number; gid: number } | string {
  const [user = '', groupName] = text.split(':');
  if (!user || text.split(':').length > 2) return 'INVALID_ARGUMENT';
  let uid: number | undefined;
  let gid: number | undefined;
  if (/^\d+$/.test(user)) {
    uid = id(user);
    // docker: the entry's group, or group 0 when there is no usable entry.
    gid = id(table(passwd).find((f) => f[2] === user)?.[3]) ?? 0;
  } else {
    const fields = table(passwd).find((f) => f[0] === user);
    if (!fields) return 'NOT_FOUND';
    uid = id(fields[2]);
    gid = id(fields[3]);
  }
  // A bad id (in the spec or in the entry) is refused before any group lookup.
  if (uid === undefined || gid === undefined) return 'INVALID_ARGUMENT';
  if (groupName !== undefined) {
    if (/^\d+$/.test(groupName)) gid = id(groupName);
    else {
      const fields = table(group).find((f) => f[0] === groupName);
      if (!fields) return 'NOT_FOUND';
      gid = id(fields[2]);
    }
  }
  return uid === undefined || gid === undefined ? 'INVALID_ARGUMENT' : { uid, gid };
}

describe('resolveUser (fuzz)', () => {
  it('any -u text: ids in 0..4294967294, or one INVALID_ARGUMENT / NOT_FOUND line', async () => {
    const root = rootWith('root:x:0:0:root:/root:/bin/sh\nbob:x:1000:100::/home/bob:/bin/sh\n', 'root:x:0:\nusers:x:100:bob\n');
    // Control characters are left out: the messages echo them raw (reported; pinned below).
    const text = fc.oneof(anyString([':', 'root', 'bob', 'users', '0', '1000', '4294967295']), spec).filter((t) => !CONTROL.test(t));
    await fc.assert(
      fc.asyncProperty(text, async (value) => {
        const outcome = await attemptAsync(() => resolveUser(root, request(value)), kind, [value], CODES);
        if (!outcome.ok) return;
        for (const n of [outcome.value.uid, outcome.value.gid]) {
          expect(Number.isInteger(n)).toBe(true);
          expect(n).toBeGreaterThanOrEqual(0);
          expect(n).toBeLessThanOrEqual(MAX_ID);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('returns exactly the ids the container files say', async () => {
    const root = rootWith('', '');
    await fc.assert(
      fc.asyncProperty(file(passwdLine), file(groupLine), spec, async (passwd, group, text) => {
        write(root, passwd, group);
        const outcome = await attemptAsync(() => resolveUser(root, request(text)), kind, [text], CODES);
        const want = expected(passwd, group, text);
        if (outcome.ok) expect(outcome.value).toEqual(want);
        else expect(outcome.error.code).toBe(want);
      }),
      { numRuns: 100 },
    );
  });

  it('never reads /etc/passwd or /etc/group from outside the root, however they are symlinked', async () => {
    const outside = tempDir('skiff-fuzz-outside-');
    mkdirSync(join(outside, 'etc'));
    writeFileSync(join(outside, 'etc/passwd'), 'evil:x:666:666\n');
    writeFileSync(join(outside, 'etc/group'), 'evil:x:666\n');
    const target = fc.constantFrom(
      join(outside, 'etc/passwd'),
      `../../../../../../../..${outside}/etc/passwd`,
      `/../..${outside}/etc/passwd`,
      `${outside}/etc/../etc/passwd`,
      'passwd2',
      '/etc/passwd2',
      'loop',
    );
    const etc = fc.constantFrom('dir', 'absolute-link', 'relative-link');
    await fc.assert(
      fc.asyncProperty(target, target, etc, fc.boolean(), async (passwdTarget, groupTarget, etcKind, mirror) => {
        const root = mkdtempSync(join(tmpdir(), 'skiff-fuzz-root-'));
        try {
          // /etc itself may be a symlink to the outside directory (absolutely, or by climbing with '..').
          if (etcKind === 'dir') mkdirSync(join(root, 'etc'));
          else symlinkSync(etcKind === 'absolute-link' ? join(outside, 'etc') : `../../../../../../..${outside}/etc`, join(root, 'etc'));
          const etcDir = etcKind === 'dir' ? join(root, 'etc') : join(root, outside, 'etc');
          mkdirSync(etcDir, { recursive: true });
          writeFileSync(join(etcDir, 'passwd2'), 'evil:x:1234:1234\n');
          symlinkSync('loop', join(etcDir, 'loop'));
          if (etcKind === 'dir') {
            symlinkSync(passwdTarget, join(etcDir, 'passwd'));
            symlinkSync(groupTarget, join(etcDir, 'group'));
          }
          // Where the in-root resolution of an absolute outside path lands, a file may or may not exist.
          if (mirror && etcKind === 'dir') {
            mkdirSync(join(root, outside, 'etc'), { recursive: true });
            writeFileSync(join(root, outside, 'etc/passwd'), 'evil:x:4321:4321\n');
            writeFileSync(join(root, outside, 'etc/group'), 'evil:x:4321\n');
          }
          for (const text of ['evil', 'evil:evil', '0:evil']) {
            const outcome = await attemptAsync(() => resolveUser(root, request(text)), kind, [text], CODES);
            if (outcome.ok) {
              expect(outcome.value.uid).not.toBe(666);
              expect(outcome.value.gid).not.toBe(666);
            }
          }
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      }),
      { numRuns: 25 },
    );
  });
});

// Regressions: bugs the fuzz suite found, since fixed; each test pins one.
describe('fixed bugs', () => {
  // Number() reads '' as 0, '-1' as -1 and ' 5', '0x10', '1e3' as numbers: a malformed line becomes root or a negative id.
  it.each(['bob:x::', 'bob:x:1000:', 'bob:x:-1:-1', 'bob:x:0x10:1e3', 'bob:x: 5 :5'])('refuses the passwd line %j', async (line) => {
    const root = rootWith(`${line}\n`, '');
    const outcome = await attemptAsync(() => resolveUser(root, { user: 'bob' }), kind, ['bob'], CODES);
    expect(outcome.ok).toBe(false);
  });

  // The NOT_FOUND and INVALID_ARGUMENT messages interpolate the user text raw, so a newline splits the line.
  it('keeps a newline in -u out of the message', async () => {
    const root = rootWith('', '');
    await attemptAsync(() => resolveUser(root, { user: 'a\nb' }), kind, ['a\nb'], CODES);
  });
});
