// The library API against real containers: streams, AbortSignal, wait before start, typed start failures.
import { rmdirSync } from 'node:fs';
import { text } from 'node:stream/consumers';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { cgroupHierarchies } from '../../../apps/cli/test/cli.js';
import { requiresRoot, suiteCgroupParent, tempDir } from '../../../test/support.js';
import { createSkiff, SkiffError, type CreateOptions, type Skiff } from '../src/index.js';

/** A Skiff on fresh state roots; its containers' cgroups sit under this test's own parent, all removed after. */
async function skiffForTest(): Promise<{ skiff: Skiff; busybox: (args: string[], more?: Partial<CreateOptions>) => CreateOptions }> {
  const base = tempDir('skiff-api-');
  const skiff = await createSkiff({ root: join(base, 'root'), runRoot: join(base, 'run') });
  const cgroupParent = suiteCgroupParent();
  onTestFinished(async () => {
    for (const container of await skiff.list()) await skiff.remove(container.id, { force: true });
    for (const hierarchy of cgroupHierarchies()) try {
        rmdirSync(join(hierarchy, cgroupParent));
      } catch {
        // not made in this hierarchy
      }
  });
  return { skiff, busybox: (args, more = {}) => ({ image: 'busybox', args, cgroupParent, ...more }) };
}

describe.runIf(requiresRoot('the library runs containers'))('the skiff library', () => {
  it('runs attached with streams: stdin with EOF in, stdout and stderr apart, the exit code', async () => {
    const { skiff, busybox } = await skiffForTest();
    const run = await skiff.run(busybox(['sh', '-c', 'cat; echo oops >&2; exit 3'], { interactive: true }));
    run.stdin.end('hello\n');
    const [stdout, stderr, exitCode] = await Promise.all([text(run.stdout), text(run.stderr), run.exit]);
    expect({ stdout, stderr, exitCode }).toEqual({ stdout: 'hello\n', stderr: 'oops\n', exitCode: 3 });
  });

  it('an aborted signal kills the container (137); wait started before start sees that exit', async () => {
    const { skiff, busybox } = await skiffForTest();
    const { id } = await skiff.create(busybox(['sleep', '600']));
    const exited = skiff.wait(id);
    const controller = new AbortController();
    const run = await skiff.attachStart(id, { signal: controller.signal });
    run.stdout.resume();
    run.stderr.resume();
    controller.abort();
    expect(await run.exit).toBe(137);
    expect(await exited).toBe(137);
    const waiting = skiff.wait(id, { signal: AbortSignal.timeout(100) });
    await expect(waiting).rejects.toThrow(/timeout|abort/i);
  });

  it('a command that cannot start rejects with a SkiffError whose exitCode is 127', async () => {
    const { skiff, busybox } = await skiffForTest();
    const error = await skiff.run(busybox(['no-such-command'])).catch((e: unknown) => e);
    expect(SkiffError.isInstance(error)).toBe(true);
    expect((error as SkiffError).exitCode).toBe(127);
    expect((error as SkiffError).message).toMatch(/no-such-command/);
  });

  // Regression: node:child_process drops what nobody reads when the helper exits (flushStdio), and a command this
  // short had exited before exec resolved: its output was lost (skiff cp saw an empty archive, mostly under Bun).
  it('exec of a command that is done before exec resolves: its output is kept for a late reader', async () => {
    const { skiff, busybox } = await skiffForTest();
    const { id } = await skiff.create(busybox(['sleep', '600']));
    await skiff.start(id);
    for (let round = 0; round < 5; round++) {
      const exec = await skiff.exec(id, { args: ['sh', '-c', 'echo out; echo err >&2'] });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const [stdout, stderr, exitCode] = await Promise.all([text(exec.stdout), text(exec.stderr), exec.exit]);
      expect({ stdout, stderr, exitCode }).toEqual({ stdout: 'out\n', stderr: 'err\n', exitCode: 0 });
    }
    await skiff.remove(id, { force: true });
  });

  it('exec with a tty: streams and resize', async () => {
    const { skiff, busybox } = await skiffForTest();
    const { id } = await skiff.create(busybox(['sleep', '600']));
    await skiff.start(id);
    const exec = await skiff.exec(id, { args: ['sh', '-c', 'read x; stty size'], tty: true, interactive: true });
    exec.resize(100, 40);
    await new Promise((resolve) => setTimeout(resolve, 200));
    exec.stdin.write('\n');
    const [stdout, exitCode] = await Promise.all([text(exec.stdout), exec.exit, text(exec.stderr)]);
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/40 100/);
    await skiff.stop(id, { timeout: 1 });
    expect(await skiff.wait(id, { condition: 'not-running' })).toBe(137);
  });

  it('a detached container cleans up after itself through the library\'s own exit command', async () => {
    const { skiff, busybox } = await skiffForTest();
    const { id } = await skiff.create(busybox(['sh', '-c', 'echo out'], { autoRemove: true }));
    const exited = skiff.wait(id);
    await skiff.start(id);
    await exited;
    for (let i = 0; i < 100 && (await skiff.list()).length; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await skiff.list()).toEqual([]);
  });
});
