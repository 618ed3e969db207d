import { existsSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { execa } from 'execa';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { sandbox, expectOneLineError } from './cli.js';

const volumeNames = (root: string) => (existsSync(join(root, 'volumes/.records')) ? readdirSync(join(root, 'volumes/.records')).filter((f) => !f.startsWith('.')) : []);

describe.runIf(requiresRoot('named volume tests run real containers'))('named and anonymous volumes', () => {
  it('-v NAME:/path is created on first use and outlives the container; rm refuses it while a container uses it', async () => {
    const { skiff, containers } = sandbox();
    const first = await skiff(['run', '--rm', '-v', 'pgdata:/var/lib/data', 'busybox', 'sh', '-c', 'echo 1 > /var/lib/data/f']);
    expect(first.stderr).toBe('');
    expect(first.exitCode).toBe(0);
    expect(containers()).toEqual([]);
    const second = await skiff(['run', '--rm', '-v', 'pgdata:/var/lib/data:ro', 'busybox', 'cat', '/var/lib/data/f']);
    expect(second.stdout).toBe('1');
    expect((await skiff(['volume', 'ls', '-q'])).stdout).toBe('pgdata');
    expect((await skiff(['volume', 'ls'])).stdout).toMatch(/^DRIVER\s+VOLUME NAME\nlocal\s+pgdata$/);

    const holder = await skiff(['create', '--name', 'holder', '-v', 'pgdata:/d', 'busybox', 'true']);
    const inspect = JSON.parse((await skiff(['inspect', 'holder'])).stdout)[0];
    expect(inspect.Mounts).toEqual([expect.objectContaining({ Type: 'volume', Name: 'pgdata', Driver: 'local', Destination: '/d', RW: true })]);
    const refused = await skiff(['volume', 'rm', 'pgdata']);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr.trim()).toBe(`skiff: remove pgdata: volume is in use - [${holder.stdout.trim()}]`);
    await skiff(['rm', 'holder']);
    expect((await skiff(['volume', 'rm', 'pgdata'])).stdout).toBe('pgdata');
    expect((await skiff(['volume', 'ls', '-q'])).stdout).toBe('');
    expect((await skiff(['volume', 'rm', 'pgdata'])).stderr.trim()).toBe('skiff: no such volume: pgdata');
    expect((await skiff(['volume', 'rm', '-f', 'pgdata'])).exitCode).toBe(0);
  });

  it('a new named volume over an image directory starts with its content; a later one keeps what was written', async () => {
    const { skiff } = sandbox();
    const result = await skiff(['run', '--rm', '-v', 'etc:/etc', 'busybox', 'sh', '-c', 'grep -c ^root: /etc/passwd; echo mine > /etc/mine']);
    expect(result.stdout).toBe('1');
    const again = await skiff(['run', '--rm', '-v', 'etc:/etc', 'busybox', 'cat', '/etc/mine']);
    expect(again.stdout).toBe('mine');
  });

  // Attack: copy-up reads only the image. A volume target that is a symlink out of the image (`/escape ->
  // /../../../etc`) resolves inside the image root (which has no etc: nothing is copied, not the host's /etc), and
  // a symlink inside the copied directory stays a symlink (never followed to the host's file).
  it("copy-up never copies host files through the image's symlinks", async () => {
    const { skiff, root } = sandbox();
    const dir = tempDir();
    mkdirSync(join(dir, 'rootfs', 'bin'), { recursive: true });
    const build = await execa('sh', ['-c', 'cp /bin/busybox rootfs/bin/busybox && ln -s busybox rootfs/bin/sh && ln -s busybox rootfs/bin/ls && ln -s /../../../etc rootfs/escape && mkdir rootfs/srv && ln -s /etc/passwd rootfs/srv/link && ln -s ../../../../etc rootfs/srv/up && tar -C rootfs -cf evil.tar .'], { cwd: dir, reject: false });
    expect(build.exitCode).toBe(0);
    expect((await skiff(['import', join(dir, 'evil.tar'), 'evil'])).exitCode).toBe(0);
    expect((await skiff(['run', '--rm', '-v', 'esc:/escape', 'evil', 'ls', '/escape'])).stdout).toBe('');
    expect(readdirSync(join(root, 'volumes/local/esc/_data'))).toEqual([]);
    await skiff(['run', '--rm', '-v', 'srv:/srv', 'evil', 'true']);
    const data = join(root, 'volumes/local/srv/_data');
    expect(readdirSync(data).sort()).toEqual(['link', 'up']);
    for (const entry of ['link', 'up']) expect(lstatSync(join(data, entry)).isSymbolicLink()).toBe(true);
  });

  it('-v /path is an anonymous volume: --rm and rm -v remove it, named ones stay; prune takes anonymous ones unless -a', async () => {
    const { skiff, root } = sandbox();
    expect((await skiff(['run', '--rm', '-v', '/anon', '-v', 'named:/n', 'busybox', 'sh', '-c', 'echo x > /anon/f; cat /anon/f'])).stdout).toBe('x');
    expect(volumeNames(root)).toEqual(['named.json']);
    await skiff(['run', '--name', 'keep', '--mount', 'type=volume,target=/a', 'busybox', 'true']);
    expect(volumeNames(root)).toHaveLength(2);
    const inspect = JSON.parse((await skiff(['inspect', 'keep'])).stdout)[0];
    expect(inspect.Mounts[0].Name).toMatch(/^[0-9a-f]{64}$/);
    expect((await skiff(['rm', '-v', 'keep'])).exitCode).toBe(0);
    expect(volumeNames(root)).toEqual(['named.json']);
    await skiff(['run', '--name', 'left', '-v', '/a', 'busybox', 'true']);
    await skiff(['rm', 'left']);
    expect(volumeNames(root)).toHaveLength(2);
    const pruned = await skiff(['volume', 'prune', '-f']);
    expect(pruned.stdout).toMatch(/^Deleted Volumes:\n[0-9a-f]{64}\n/);
    expect(volumeNames(root)).toEqual(['named.json']);
    await skiff(['volume', 'prune', '-a', '-f']);
    expect(volumeNames(root)).toEqual([]);
    await skiff(['run', '--name', 'left2', '-v', '/a', '-v', 'kept:/k', 'busybox', 'true']);
    expect((await skiff(['system', 'prune', '--volumes'])).stdout).toMatch(/deleted volume [0-9a-f]{64}\nTotal: 1 containers, 1 volumes removed$/);
    expect(volumeNames(root)).toEqual(['kept.json']);
  });

  it('--mount type=volume (readonly, volume-opt) and type=tmpfs (tmpfs-size)', async () => {
    const { skiff } = sandbox();
    const ro = await skiff(['run', '--rm', '--mount', 'type=volume,source=mv,target=/m,readonly', 'busybox', 'sh', '-c', 'touch /m/x 2>/dev/null && echo wrote || echo refused']);
    expect(ro.stdout).toBe('refused');
    const tmpfs = await skiff(['run', '--rm', '--mount', 'type=tmpfs,target=/t,tmpfs-size=1m', 'busybox', 'sh', '-c', "df -k /t | tail -1 | awk '{print $1, $2}'"]);
    expect(tmpfs.stdout).toBe('tmpfs 1024');
    const opt = await skiff(['run', '--rm', '--mount', 'type=volume,source=tv,target=/t,volume-opt=type=tmpfs,volume-opt=o=size=2m', 'busybox', 'sh', '-c', "df -k /t | tail -1 | awk '{print $1, $2}'"]);
    expect(opt.stdout).toBe('tmpfs 2048');
    const created = await skiff(['volume', 'create', '-o', 'type=tmpfs', '-o', 'o=size=3m', '--label', 'a=b', 'made']);
    expect(created.stdout).toBe('made');
    const filtered = await skiff(['volume', 'ls', '-q', '--filter', 'label=a=b', '--filter', 'dangling=true', '--filter', 'driver=local']);
    expect(filtered.stdout).toBe('made');
    expect((await skiff(['volume', 'ls', '-q', '-f', 'name=v'])).stdout.split('\n').sort()).toEqual(['mv', 'tv']);
    expectOneLineError(await skiff(['volume', 'ls', '--filter', 'colour=red']), /invalid --filter "colour=red"/);
    const info = JSON.parse((await skiff(['volume', 'inspect', 'made'])).stdout)[0];
    expect(info).toMatchObject({ Name: 'made', Driver: 'local', Labels: { a: 'b' }, Options: { type: 'tmpfs', o: 'size=3m' }, Scope: 'local' });
  });

  // Attack: names that would be paths in the volume store ('/', '..', NUL, very long) are refused in one line
  // before anything is made.
  it('refuses bad volume names and options in one line, leaving no container or volume', async () => {
    const { skiff, root, containers } = sandbox();
    for (const spec of ['..:/x', '.:/x', `${'x'.repeat(300)}:/x`, '-x:/x']) {
      expectOneLineError(await skiff(['run', '--rm', '-v', spec, 'busybox', 'true']), /volume name .* is invalid/);
    }
    expectOneLineError(await skiff(['run', '--mount', 'type=volume,source=a\u0001b,target=/x', 'busybox', 'true']), /invalid --mount/);
    expectOneLineError(await skiff(['run', '-v', 'v:/x:bogus=1', 'busybox', 'true']), /local volume: unknown option "bogus"/);
    expectOneLineError(await skiff(['run', '--mount', 'type=volume,source=v,target=/x,volume-opt=type=nfs', 'busybox', 'true']), /type "nfs" is not supported/);
    // docker volume create exits 1 for what the daemon refuses.
    const refusedBy = (result: { exitCode?: number; stderr: unknown }, message: RegExp) => {
      expect(result.exitCode).toBe(1);
      expect(String(result.stderr).trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
    };
    for (const name of ['a/b', '..', 'x'.repeat(256)]) refusedBy(await skiff(['volume', 'create', name]), /invalid volume name/);
    refusedBy(await skiff(['volume', 'create', '-o', 'bogus=1', 'good']), /unknown option "bogus"/);
    refusedBy(await skiff(['volume', 'create', '-d', 'nosuchdriver', 'good']), /nosuchdriver/);
    expect(containers()).toEqual([]);
    expect(volumeNames(root)).toEqual([]);
    expect(readdirSync(join(root, 'volumes/local')).filter((e) => !e.startsWith('.'))).toEqual([]);
  });

  it('two concurrent volume create of one name make one volume', async () => {
    const { skiff, root } = sandbox();
    const results = await Promise.all(Array.from({ length: 4 }, () => skiff(['volume', 'create', 'same'])));
    for (const result of results) expect(result.stdout).toBe('same');
    expect(volumeNames(root)).toEqual(['same.json']);
  });

  // volume rm racing a run that uses the volume: the run records its container under the volume's lock, so rm
  // either refuses (in use) or removed it before the run made it again; data a container wrote is never lost.
  it('volume rm racing run never deletes data in use', async () => {
    const { skiff } = sandbox();
    await skiff(['volume', 'create', 'race']);
    for (let round = 0; round < 4; round++) {
      const run = skiff(['run', '--name', `r${round}`, '-v', 'race:/d', 'busybox', 'sh', '-c', `echo ${round} > /d/f${round}; cat /d/f${round}`]);
      const rm = skiff(['volume', 'rm', 'race']);
      const [ran, removed] = await Promise.all([run, rm]);
      expect(ran.stdout).toBe(String(round));
      if (removed.exitCode !== 0) expect(removed.stderr).toMatch(/volume is in use/);
      // The container still exists, so its volume's data does too.
      expect((await skiff(['run', '--rm', '-v', 'race:/d', 'busybox', 'cat', `/d/f${round}`])).stdout).toBe(String(round));
      await skiff(['rm', `r${round}`]);
    }
  });
});
