// The helper's cache of built seccomp filters (the plan's `seccompcache DIR`, c/seccomp-cache.c): a start of a
// profile built before reads its programs back instead of running libseccomp, and a cache file that is not
// exactly what the helper itself wrote is never used.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  statSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { DEFAULT_CAPABILITIES, encodePlan, seccompSyscalls } from '../src/index.js';
import { createBusyboxRootfs, overlayPlan, runHelper, spawnHelper, startExec, startHelper, waitFor, type PlanOverrides } from './fixture.js';

const root = requiresRoot('the native helper creates namespaces and mounts');

/** keyctl: refused by docker's profile whatever the capabilities; unix-socket: allowed; clone-newns: only with CAP_SYS_ADMIN. */
const PROBE = ['probe', 'keyctl', 'unix-socket', 'clone-newns'];
const DEFAULT_ANSWERS = 'keyctl EPERM\nunix-socket ok\nclone-newns EPERM\n';
const ADMIN_ANSWERS = 'keyctl EPERM\nunix-socket ok\nclone-newns ok\n';
/** What a forged allow-everything filter gives (namespaces stay refused: no CAP_SYS_ADMIN). */
const ALLOW_ALL_ANSWERS = 'keyctl ok\nunix-socket ok\nclone-newns EPERM\n';

// The cache file's layout (c/seccomp-cache.c): magic, u32 input length, u32 allow-list and deny lengths (in
// instructions), u32 zero, the input, the programs.
const HEADER = 24;
const inputOf = (file: Buffer) => file.subarray(HEADER, HEADER + file.readUInt32LE(8));
/** One instruction: BPF_RET|BPF_K SECCOMP_RET_ALLOW. */
const RET_ALLOW = Buffer.from([0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x7f]);
/** A well-formed cache file whose programs allow every call, for `input`. */
function allowEverything(input: Buffer): Buffer {
  const header = Buffer.alloc(HEADER);
  header.write('skiffsc1', 0, 'latin1');
  header.writeUInt32LE(input.length, 8);
  header.writeUInt32LE(1, 12);
  return Buffer.concat([header, input, RET_ALLOW]);
}

const spanOf = (stderr: string) => /^skiff-trace-span helper-seccomp-(build|cached) /m.exec(stderr)?.[1];
const entries = (dir: string) => readdirSync(dir).filter((name) => !name.startsWith('.'));

describe.skipIf(!root)('seccomp filter cache (seccompcache)', () => {
  let image: ReturnType<typeof createBusyboxRootfs>;
  beforeAll(() => {
    image = createBusyboxRootfs();
    const source = fileURLToPath(new URL('./probe/probe.c', import.meta.url));
    execFileSync('cc', ['-static', '-O2', '-o', join(image.dir, 'bin/probe'), source]);
  });
  afterAll(() => image?.remove());

  const TRACE = { env: { SKIFF_TRACE: '1' } };
  /** A cache directory (not made yet) inside this test's own temp dir. */
  const cacheDir = () => join(tempDir(), 'seccomp');
  const run = async (cache: string, overrides: PlanOverrides = {}) => {
    const result = await runHelper(overlayPlan(image.dir, tempDir(), PROBE, { seccompCache: cache, ...overrides }), TRACE);
    return { ...result, span: spanOf(result.stderr) };
  };
  /** A cache holding the default profile's file, made by a first start. */
  const primed = async () => {
    const dir = cacheDir();
    const first = await run(dir);
    expect(first).toMatchObject({ exitCode: 0, span: 'build', stdout: DEFAULT_ANSWERS });
    const [key] = entries(dir);
    return { dir, key: key!, path: join(dir, key!), file: readFileSync(join(dir, key!)) };
  };
  /** The start after tampering: the cache was ignored, the filter built, the container refused keyctl and ran. */
  const expectIgnored = async (dir: string) => {
    const result = await run(dir);
    expect(result).toMatchObject({ exitCode: 0, span: 'build', stdout: DEFAULT_ANSWERS });
  };

  it('a second start of a profile takes its filter from the cache; another profile builds its own', async () => {
    const dir = cacheDir();
    expect(await run(dir)).toMatchObject({ exitCode: 0, span: 'build', stdout: DEFAULT_ANSWERS });
    expect(statSync(dir).mode & 0o7777).toBe(0o700);
    const [key] = entries(dir);
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(statSync(join(dir, key!))).toMatchObject({ uid: 0, mode: 0o100600 });
    // The filter from the cache is the real one: keyctl refused, a socket allowed.
    expect(await run(dir)).toMatchObject({ exitCode: 0, span: 'cached', stdout: DEFAULT_ANSWERS });
    // Every capability: docker's CAP_SYS_ADMIN rules make other records, so another filter (namespaces allowed).
    expect(await run(dir, { capabilities: 'all' })).toMatchObject({ exitCode: 0, span: 'build', stdout: ADMIN_ANSWERS });
    expect(await run(dir, { capabilities: 'all' })).toMatchObject({ exitCode: 0, span: 'cached', stdout: ADMIN_ANSWERS });
    // A profile of its own (keyctl allowed): built, then cached, never mistaken for the default one.
    const own = { syscalls: [...seccompSyscalls(DEFAULT_CAPABILITIES), { name: 'keyctl', action: 'allow' as const, args: [] }] };
    const ownAnswers = DEFAULT_ANSWERS.replace('keyctl EPERM', 'keyctl ok');
    expect(await run(dir, { seccomp: own })).toMatchObject({ exitCode: 0, span: 'build', stdout: ownAnswers });
    expect(await run(dir, { seccomp: own })).toMatchObject({ exitCode: 0, span: 'cached', stdout: ownAnswers });
    expect(await run(dir)).toMatchObject({ exitCode: 0, span: 'cached', stdout: DEFAULT_ANSWERS });
    expect(entries(dir)).toHaveLength(3);
    expect(readdirSync(dir).filter((name) => name.startsWith('.'))).toEqual([]); // no temporary file left
  });

  it('exec takes the container profile from the cache too', async () => {
    const { dir } = await primed();
    const container = startHelper(overlayPlan(image.dir, tempDir(), ['sh', '-c', 'echo ready; exec sleep 30'], { seccompCache: dir }), { reportPid: true });
    await waitFor(() => container.stdout().includes('ready'), 'the container to be ready');
    const exec = await startExec({ target: (await container.pid)!, args: PROBE, env: ['PATH=/bin'], cwd: '/', tty: false, stdin: false, cgroupProcs: [], seccompCache: dir }, TRACE).done;
    expect({ exitCode: exec.exitCode, span: spanOf(exec.stderr), stdout: exec.stdout }).toEqual({ exitCode: 0, span: 'cached', stdout: DEFAULT_ANSWERS });
  });

  it('refuses a relative seccompcache path with 125', async () => {
    const plan = encodePlan(overlayPlan(image.dir, tempDir(), ['true'], { seccompCache: '/relative' }));
    const result = await spawnHelper('run', Buffer.from(plan.toString('latin1').replace('seccompcache\0/relative\0', 'seccompcache\0relative\0'), 'latin1')).done;
    expect(result).toMatchObject({ exitCode: 125, stderr: 'skiff: plan: seccompcache must be an absolute path, not "relative"\n' });
  });

  it('without a seccompcache record nothing is cached', async () => {
    const scratch = tempDir();
    const result = await runHelper(overlayPlan(image.dir, scratch, PROBE), TRACE);
    expect({ span: spanOf(result.stderr), stdout: result.stdout }).toEqual({ span: 'build', stdout: DEFAULT_ANSWERS });
    expect(readdirSync(scratch).filter((name) => name === 'seccomp')).toEqual([]);
  });

  // Attack tests: a cache file the helper did not write is never installed. Each forged file allows every call,
  // so had it been used, keyctl would answer ok. The forgery itself works: see the control at the end.
  describe('a forged or damaged cache file is ignored', () => {
    it('an allow-everything program stored with another input under our key (a hash collision)', async () => {
      const { dir, path, file } = await primed();
      const other = Buffer.from(inputOf(file));
      other[other.length - 1]! ^= 0xff;
      writeFileSync(path, allowEverything(other));
      await expectIgnored(dir);
    });

    it('our own input with an allow-everything program, but group-writable or not ours', async () => {
      const { dir, path, file } = await primed();
      writeFileSync(path, allowEverything(inputOf(file)));
      chmodSync(path, 0o620);
      await expectIgnored(dir);
      writeFileSync(path, allowEverything(inputOf(file)));
      chmodSync(path, 0o602);
      await expectIgnored(dir);
      writeFileSync(path, allowEverything(inputOf(file)));
      chmodSync(path, 0o600);
      chownSync(path, 65534, 65534);
      await expectIgnored(dir);
    });

    it('truncated, garbage, or longer than its header says', async () => {
      const { dir, path, file } = await primed();
      truncateSync(path, Math.floor(file.length / 2));
      await expectIgnored(dir);
      writeFileSync(path, randomBytes(file.length));
      await expectIgnored(dir);
      writeFileSync(path, Buffer.concat([allowEverything(inputOf(file)), RET_ALLOW]));
      await expectIgnored(dir);
      writeFileSync(path, Buffer.alloc(0));
      await expectIgnored(dir);
    });

    it('a symlink to an allow-everything file elsewhere', async () => {
      const { dir, path, file } = await primed();
      const elsewhere = join(tempDir(), 'forged');
      writeFileSync(path, allowEverything(inputOf(file)));
      renameSync(path, elsewhere);
      chmodSync(elsewhere, 0o600);
      symlinkSync(elsewhere, path);
      await expectIgnored(dir);
      // The build's own file replaced the link; the target is untouched.
      expect(statSync(path).isFile() && !readFileSync(path).equals(readFileSync(elsewhere))).toBe(true);
    });

    it('a directory or a fifo in its place (the start neither fails nor hangs)', async () => {
      const { dir, path } = await primed();
      unlinkSync(path);
      mkdirSync(path);
      await expectIgnored(dir);
      expect(statSync(path).isDirectory()).toBe(true); // the write after the build failed, silently
      rmdirSync(path);
      execFileSync('mkfifo', ['-m', '600', path]);
      await expectIgnored(dir);
    });

    it('the cache directory a symlink to a directory holding a forged file, or open to the group', async () => {
      const { dir, key, file } = await primed();
      const elsewhere = tempDir();
      writeFileSync(join(elsewhere, key), allowEverything(inputOf(file)), { mode: 0o600 });
      chmodSync(elsewhere, 0o700);
      const link = join(tempDir(), 'seccomp');
      symlinkSync(elsewhere, link);
      await expectIgnored(link);
      expect(readdirSync(elsewhere)).toEqual([key]); // nothing written through the link
      expect(readFileSync(join(elsewhere, key)).equals(allowEverything(inputOf(file)))).toBe(true);
      writeFileSync(join(dir, key), allowEverything(inputOf(file)));
      chmodSync(dir, 0o770);
      await expectIgnored(dir);
    });

    // Control: the same forged file, root's and 0600 in a private directory, is taken (the cache trusts what only
    // root can write), so each case above was refused by its check, not by a flaw in the forgery.
    it('control: the forged file with our owner, mode and input is used', async () => {
      const { dir, path, file } = await primed();
      writeFileSync(path, allowEverything(inputOf(file)));
      expect(await run(dir)).toMatchObject({ exitCode: 0, span: 'cached', stdout: ALLOW_ALL_ANSWERS });
    });
  });
});
