import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { removeSettled, sandbox, waitFor } from './cli.js';

// Everyday container commands of issue 15: rename, diff, top, stats, update, wait --condition, container prune.
describe.runIf(requiresRoot('these tests run containers'))('everyday commands', () => {
  it('rename: the new name resolves, the old one is free; a taken or equal name is refused', async () => {
    const sb = sandbox();
    const { skiff } = sb;
    const id = (await skiff(['run', '-d', '--name', 'old', 'busybox', 'sleep', '60'])).stdout;
    await skiff(['create', '--name', 'taken', 'busybox', 'true']);
    expect((await skiff(['rename', 'old', 'new'])).exitCode).toBe(0);
    expect((await skiff(['inspect', '-f', '{{.Id}} {{.Name}}', 'new'])).stdout).toBe(`${id} /new`);
    expect((await skiff(['inspect', 'old'])).exitCode).toBe(1);
    const taken = await skiff(['rename', 'new', 'taken']);
    expect(taken.exitCode).toBe(125);
    expect(taken.stderr).toMatch(/the container name "taken" is already in use by container/);
    expect((await skiff(['rename', 'new', 'new'])).stderr).toMatch(/same name as its current name/);
    expect((await skiff(['rename', 'new', 'bad/name'])).stderr).toMatch(/invalid container name/);
    // docker's management forms: container ls is ps, container inspect looks at containers only.
    expect((await skiff(['container', 'ls', '--format', '{{.Names}}'])).stdout).toBe('new');
    expect((await skiff(['container', 'inspect', '-f', '{{.Name}}', 'new'])).stdout).toBe('/new');
    expect((await skiff(['container', 'inspect', 'busybox'])).stderr).toBe('Error: No such object: busybox');
    // The old name can be used again.
    expect((await skiff(['create', '--name', 'old', 'busybox', 'true'])).exitCode).toBe(0);
    await removeSettled(sb, 'new');
  });

  it('diff lists A/C/D against the image; top runs ps over the container pids; stats and update read and write the cgroup', async () => {
    const sb = sandbox();
    const { skiff } = sb;
    await skiff(['run', '-d', '--name', 'w', 'busybox', 'sh', '-c', 'echo hi > /new; rm /etc/group; echo x >> /etc/passwd; mkdir -p /tmp/d; touch /ready; exec sleep 60']);
    await waitFor(async () => (await skiff(['exec', 'w', 'test', '-f', '/ready'])).exitCode === 0, 'the changes');
    expect((await skiff(['diff', 'w'])).stdout).toBe('C /etc\nD /etc/group\nC /etc/passwd\nA /new\nA /ready\nC /tmp\nA /tmp/d');
    const top = (await skiff(['top', 'w'])).stdout.split('\n');
    expect(top[0]).toMatch(/^UID +PID +PPID +C +STIME +TTY +TIME +CMD$/);
    expect(top.slice(1)).toEqual([expect.stringMatching(/ sleep 60$/)]);
    expect((await skiff(['top', 'w', '-o', 'pid,args'])).stdout).toMatch(/^PID +COMMAND\n\d+ +sleep 60$/);
    expect((await skiff(['top', 'w', '-o', 'args'])).stderr).toMatch(/Couldn't find PID field in ps output/);

    const stats = (await skiff(['stats', '--no-stream'])).stdout.split('\n');
    expect(stats[0]).toMatch(/^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS$/);
    expect(stats[1]).toMatch(/^[0-9a-f]{12} +w +\d+\.\d\d% +[\d.]+[KMG]?i?B \/ [\d.]+[KMGT]iB +\d+\.\d\d% +0B \/ 0B +[\d.]+[kMG]?B \/ [\d.]+[kMG]?B +1$/);
    expect((await skiff(['update', '-m', '64m', '--pids-limit', '20', 'w'])).stdout).toBe('w');
    expect((await skiff(['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}} {{.PIDs}}', 'w'])).stdout).toMatch(/^w [\d.]+[KM]iB \/ 64MiB 1$/);
    expect((await skiff(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}', 'w'])).stdout).toBe(`${64 * 1024 * 1024} 20`);
    // The pids limit holds at once: 30 background sleeps cannot all start.
    const fork = await skiff(['exec', 'w', 'sh', '-c', 'for i in $(seq 30); do sleep 30 & done 2>/dev/null; sleep 0.2; ls /proc | grep -c "^[0-9]"']);
    expect(Number(fork.stdout.trim().split('\n').pop())).toBeLessThanOrEqual(20);
    expect((await skiff(['update', 'w'])).stderr).toMatch(/provide one or more flags/);
    expect((await skiff(['update', '--memory', 'lots', 'w'])).exitCode).toBe(125);
    expect((await skiff(['stats', '--no-stream', '--format', '{{.Nope}}'])).stderr).toMatch(/can't evaluate field Nope/);
    // Streaming: the table is redrawn (screen cleared) about every second until interrupted.
    const stream = skiff(['stats', '--format', '{{.Name}} {{.PIDs}}', 'w']);
    await new Promise((resolve) => setTimeout(resolve, 2600));
    stream.kill('SIGINT');
    const frames = String((await stream).stdout).split('\x1b[2J\x1b[H').filter(Boolean);
    expect(frames.length).toBeGreaterThanOrEqual(2);
    for (const frame of frames) expect(frame).toMatch(/^w \d+\n?$/);
    await removeSettled(sb, 'w');
  });

  it('wait --condition next-exit and removed; container prune [-f] [--filter]', async () => {
    const sb = sandbox();
    const { skiff } = sb;
    await skiff(['create', '--name', 'later', 'busybox', 'sh', '-c', 'exit 4']);
    const next = skiff(['wait', '--condition', 'next-exit', 'later']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await skiff(['start', 'later']);
    expect((await next).stdout).toBe('4');
    await skiff(['run', '-d', '--name', 'gone', 'busybox', 'sleep', '60']);
    const removed = skiff(['wait', '--condition', 'removed', 'gone']);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await skiff(['rm', '-f', 'gone']);
    expect((await removed).exitCode).toBe(0);
    expect((await skiff(['wait', '--condition', 'sometime', 'later'])).exitCode).toBe(125);

    await skiff(['run', '--name', 'keepme', '-l', 'keep=yes', 'busybox', 'true']);
    await skiff(['run', '-d', '--name', 'up', 'busybox', 'sleep', '60']);
    const declined = await skiff(['container', 'prune'], { input: 'n\n' });
    expect(declined.stdout).toContain('WARNING! This will remove all stopped containers.');
    expect((await skiff(['ps', '-aq'])).stdout.split('\n')).toHaveLength(3);
    const pruned = await skiff(['container', 'prune', '-f', '--filter', 'label!=keep']);
    expect(pruned.stdout).toMatch(/^Deleted Containers:\n[0-9a-f]{64}\n\nTotal reclaimed space: /);
    expect((await skiff(['ps', '-a', '--format', '{{.Names}}'])).stdout).toBe('up\nkeepme');
    expect((await skiff(['container', 'prune', '-f', '--filter', 'until=1h'])).stdout).toBe('Total reclaimed space: 0B');
    expect((await skiff(['container', 'prune', '-f', '--filter', 'colour=red'])).exitCode).toBe(125);
    expect((await skiff(['container', 'prune', '-f'])).stdout).toMatch(/^Deleted Containers:\n[0-9a-f]{64}\n\n/);
    expect((await skiff(['ps', '-a', '--format', '{{.Names}}'])).stdout).toBe('up');
    await removeSettled(sb, 'up');
  });

  it('diff and ps -s never walk out of the writable layer through a symlink, even one swapped in while they walk (attack)', async () => {
    const sb = sandbox();
    const { skiff } = sb;
    const host = tempDir('skiff-test-diffhost-');
    mkdirSync(join(host, 'secret-dir'));
    writeFileSync(join(host, 'secret-dir', 'host-marker'), 'x'.repeat(1_000_000));
    // /link points at a host path; /race flips between a directory and such a symlink as fast as it can.
    const script = `ln -s ${host}/secret-dir /link; while true; do rm -rf /race; mkdir /race; touch /race/inside; rm -rf /race; ln -s ${host}/secret-dir /race; done`;
    await skiff(['run', '-d', '--name', 'racer', 'busybox', 'sh', '-c', script]);
    await waitFor(async () => (await skiff(['diff', 'racer'])).stdout.includes('A /link'), 'the symlink');
    for (let round = 0; round < 15; round++) {
      const diff = (await skiff(['diff', 'racer'])).stdout;
      expect(diff).not.toContain('host-marker');
      const sized = await skiff(['ps', '-s', '--format', '{{.Size}}']);
      // The host file is 1 MB: the layer itself holds a few bytes.
      expect(sized.stdout, String(sized.stderr)).toMatch(/^\d+(\.\d+)?k?B \(virtual/);
    }
    await removeSettled(sb, 'racer');
  });

  it("version, info and system df: docker's shapes and --format", async () => {
    const sb = sandbox();
    const { skiff, root } = sb;
    const version = (await skiff(['version'])).stdout;
    expect(version).toMatch(/^Client:\n Version: +\S+\n[\s\S]*\nServer: skiff[^\n]*\n Engine:\n  Version: +\S+/);
    expect((await skiff(['version', '--format', '{{.Client.Version}}={{.Server.Version}} {{.Server.Os}}'])).stdout).toMatch(/^(\S+)=\1 linux$/);
    expect(JSON.parse((await skiff(['version', '-f', 'json'])).stdout)).toMatchObject({ Client: { Os: 'linux' }, Server: { Os: 'linux' } });
    await skiff(['run', '-d', '--name', 'up', 'busybox', 'sleep', '60']);
    await skiff(['run', '--name', 'done', 'busybox', 'sh', '-c', 'head -c 3000 /dev/zero > /f']);
    await skiff(['volume', 'create', 'v']);
    const info = (await skiff(['info'])).stdout;
    expect(info).toMatch(/\nServer:\n Containers: 2\n  Running: 1\n  Paused: 0\n  Stopped: 1\n Images: 1\n/);
    expect(info).toContain(` Docker Root Dir: ${root}`);
    expect((await skiff(['info', '-f', '{{.Containers}} {{.ContainersRunning}} {{.Images}} {{.OSType}} {{.CgroupVersion}}'])).stdout).toMatch(/^2 1 1 linux [12]$/);
    const df = (await skiff(['system', 'df'])).stdout.split('\n');
    expect(df[0]).toMatch(/^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE$/);
    expect(df[1]).toMatch(/^Images +1 +1 +[\d.]+MB +0B \(0%\)$/);
    expect(df[2]).toMatch(/^Containers +2 +1 +3kB +3kB \(100%\)$/);
    expect(df[3]).toMatch(/^Local Volumes +1 +0 +0B +0B \(0%\)$/);
    expect(df[4]).toMatch(/^Build Cache +0 +0 +0B +0B$/);
    expect((await skiff(['system', 'df', '--format', '{{.Type}}:{{.TotalCount}}'])).stdout).toBe('Images:1\nContainers:2\nLocal Volumes:1\nBuild Cache:0');
    await removeSettled(sb, 'up');
  });
});
