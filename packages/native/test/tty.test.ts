// The container terminal (tty 1): a pty of the container's own devpts, relayed by the helper.
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { encodePlan, helperPath } from '../src/index.js';
import { createBusyboxRootfs, overlayPlan, runHelper, startHelper, waitFor } from './fixture.js';

const root = requiresRoot('the native helper creates namespaces and mounts');

describe.skipIf(!root)('container tty', () => {
  let image: ReturnType<typeof createBusyboxRootfs>;
  beforeAll(() => {
    image = createBusyboxRootfs();
  });
  afterAll(() => image?.remove());

  it('runs the command on /dev/pts/0 of its own devpts, as its controlling terminal', async () => {
    const script = 'tty; test -t 0 && test -t 1 && test -t 2 && echo all-tty; ls /dev/pts | tr "\\n" " "; echo; echo via-dev-tty > /dev/tty';
    const plan = overlayPlan(image.dir, tempDir(), ['sh', '-c', script], { tty: true, stdin: true });
    const result = await runHelper(plan); // stdin is /dev/null: EOF at once, the container runs on
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('/dev/pts/0\r\nall-tty\r\n0 ptmx \r\nvia-dev-tty\r\n');
  });

  it('works without stdin (tty 1, stdin 0)', async () => {
    const plan = overlayPlan(image.dir, tempDir(), ['sh', '-c', 'tty; exit 5'], { tty: true, stdin: false });
    expect(await runHelper(plan)).toMatchObject({ exitCode: 5, stdout: '/dev/pts/0\r\n' });
  });

  it('relays stdin to the pty and keeps the container running after stdin ends', async () => {
    const script = 'read line; echo "got:$line"; sleep 0.2; echo still-here';
    const plan = overlayPlan(image.dir, tempDir(), ['sh', '-c', script], { tty: true, stdin: true });
    const helper = startHelper(plan, { stdin: 'pipe' });
    helper.child.stdin!.end('hello\n');
    const result = await helper.done;
    expect(result.exitCode).toBe(0);
    // The pty echoes the input line, then the command's output follows.
    expect(result.stdout).toBe('hello\r\ngot:hello\r\nstill-here\r\n');
  });

  it('drains all output of a chatty container before exiting', async () => {
    const plan = overlayPlan(image.dir, tempDir(), ['sh', '-c', 'i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done'], { tty: true });
    const result = await runHelper(plan);
    const lines = result.stdout.split('\r\n');
    expect(lines).toHaveLength(2001);
    expect(lines[1999]).toBe('line-1999');
  });

  // script(1) gives the helper a real terminal on stdin, as `skiff run -it` in a shell would.
  it.skipIf(!existsSync('/usr/bin/script'))(
    'on a terminal: raw mode, window size and SIGWINCH reach the container; the terminal is restored',
    async () => {
      const scratch = tempDir();
      const planFile = join(scratch, 'plan');
      const container = 'stty size; read x; stty size; echo "x=$x"; exit 4';
      writeFileSync(planFile, encodePlan(overlayPlan(image.dir, scratch, ['sh', '-c', container], { tty: true, stdin: true })));
      const go = join(scratch, 'go');
      const resized = join(scratch, 'resized');
      // The resize runs beside the helper on the same terminal (a background job's stdin is /dev/null, hence
      // </dev/tty); the kernel then sends SIGWINCH to the foreground group, the helper included.
      const outer = [
        'stty rows 45 cols 123; stty -g',
        `(while [ ! -e ${go} ]; do sleep 0.02; done; stty rows 33 cols 99 </dev/tty; touch ${resized}) &`,
        `"${helperPath()}" run 3<"${planFile}"; echo "rc=$?"; wait; stty -g`,
      ].join('\n');
      const script = spawn('script', ['-qec', outer, '/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
      let output = '';
      script.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const exited = new Promise<number | null>((resolve) => script.on('close', resolve));

      await waitFor(() => output.includes('45 123'), 'the initial window size', 10_000);
      writeFileSync(go, '');
      await waitFor(() => existsSync(resized), 'the resize', 10_000);
      script.stdin.write('abc\r'); // raw mode: the CR reaches the container's pty, which turns it into \n
      expect(await exited).toBe(0);
      script.stdin.end();

      const lines = output.split(/\r?\n/).map((line) => line.replace(/\r/g, ''));
      expect(lines).toContain('45 123');
      expect(lines).toContain('33 99');
      expect(lines).toContain('x=abc');
      expect(lines).toContain('rc=4');
      // stty -g before and after the helper: raw mode was undone.
      const settings = lines.filter((line) => /^[0-9a-f]+(:[0-9a-f]+){10,}$/.test(line));
      expect(settings).toHaveLength(2);
      expect(settings[1]).toBe(settings[0]);
    },
  );
});
