import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tar from 'tar';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { removeSettled, sandbox } from './cli.js';

async function ready(skiff: ReturnType<typeof sandbox>['skiff'], name: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await skiff(['exec', name, 'test', '-f', '/ready'])).exitCode !== 0) {
    if (Date.now() > deadline) throw new Error(`container ${name} never got ready`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.runIf(requiresRoot('these tests run containers'))('cp', () => {
  it("copies both ways with docker's destination rules, -a, -L and tar streams on stdin/stdout", async () => {
    const sb = sandbox();
    const { skiff } = sb;
    const host = tempDir('skiff-test-cp-');
    await skiff(['run', '-d', '--name', 'c', 'busybox', 'sh', '-c', 'mkdir -p /data/sub; echo hello > /data/sub/f; chown 7:8 /data/sub/f; ln -s /etc /data/l; touch /ready; exec sleep 60']);
    await ready(skiff, 'c');
    // Into an existing directory: DIR/basename; to a new name: that name; /. : the contents.
    expect((await skiff(['cp', 'c:/data', host])).exitCode).toBe(0);
    expect(readFileSync(join(host, 'data/sub/f'), 'utf8')).toBe('hello\n');
    expect(readlinkSync(join(host, 'data/l'))).toBe('/etc');
    expect((await skiff(['cp', 'c:/data/sub/f', join(host, 'renamed')])).exitCode).toBe(0);
    expect(readFileSync(join(host, 'renamed'), 'utf8')).toBe('hello\n');
    expect((await skiff(['cp', 'c:/data/.', join(host, 'contents')])).exitCode).toBe(0);
    expect(readdirSync(join(host, 'contents')).sort()).toEqual(['l', 'sub']);
    expect(statSync(join(host, 'data/sub/f')).uid).toBe(0);
    expect((await skiff(['cp', '-a', 'c:/data/sub/f', join(host, 'owned')])).exitCode).toBe(0);
    expect(statSync(join(host, 'owned'))).toMatchObject({ uid: 7, gid: 8 });
    // -L follows the source symlink, inside the container: /etc of the container, not the host's.
    expect((await skiff(['cp', '-L', 'c:/data/l', join(host, 'etc')])).exitCode).toBe(0);
    expect(readFileSync(join(host, 'etc/hostname'), 'utf8')).toBe(readFileSync(join(host, 'etc/hostname'), 'utf8'));
    expect(existsSync(join(host, 'etc/group'))).toBe(true);

    writeFileSync(join(host, 'up'), 'from host');
    expect((await skiff(['cp', join(host, 'up'), 'c:/data/'])).exitCode).toBe(0);
    expect((await skiff(['exec', 'c', 'cat', '/data/up'])).stdout).toBe('from host');
    expect((await skiff(['cp', join(host, 'up'), 'c:/data/newname'])).exitCode).toBe(0);
    expect((await skiff(['exec', 'c', 'stat', '-c', '%u %n', '/data/newname'])).stdout).toBe('0 /data/newname');
    expect((await skiff(['cp', join(host, 'data'), 'c:/copied'])).exitCode).toBe(0);
    expect((await skiff(['exec', 'c', 'find', '/copied'])).stdout.split('\n').sort()).toEqual(['/copied', '/copied/l', '/copied/sub', '/copied/sub/f']);
    expect((await skiff(['exec', 'c', 'readlink', '/copied/l'])).stdout).toBe('/etc');

    // `-` : a tar stream on stdout, and from stdin into a directory.
    const out = await skiff(['cp', 'c:/data/sub', '-'], { encoding: 'buffer' });
    const names: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const list = tar.t({ onReadEntry: (entry) => void names.push(entry.path) });
      list.on('end', resolve).on('error', reject);
      list.end(Buffer.from(out.stdout as unknown as Uint8Array));
    });
    expect(names).toEqual(['sub/', 'sub/f']);
    const stream = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      tar.c({ cwd: host, portable: true }, ['up']).on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => resolve(Buffer.concat(chunks)));
    });
    expect((await skiff(['cp', '-', 'c:/tmp'], { input: stream })).exitCode).toBe(0);
    expect((await skiff(['exec', 'c', 'cat', '/tmp/up'])).stdout).toBe('from host');

    const missing = await skiff(['cp', 'c:/nope', host]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toBe('skiff: Could not find the file /nope in container c');
    expect((await skiff(['cp', join(host, 'up'), 'c:/no/such/x'])).stderr).toBe('skiff: Could not find the file /no/such in container c');
    expect((await skiff(['cp', 'c:/a', 'c:/b'])).stderr).toMatch(/copying between containers is not supported/);
    expect((await skiff(['cp', join(host, 'up'), join(host, 'x')])).stderr).toMatch(/must specify at least one container source/);
    await removeSettled(sb, 'c');
  });

  it("never reads or writes the host through the container's symlinks, even swapped in during the copy (attack)", async () => {
    const sb = sandbox();
    const { skiff } = sb;
    const secret = tempDir('skiff-test-cp-secret-');
    writeFileSync(join(secret, 'host-secret'), 'do not copy');
    const out = tempDir('skiff-test-cp-out-');
    writeFileSync(join(out, 'payload'), 'payload');
    // /leak names a host directory by its host path; /race flips between a directory and such a symlink.
    const script = `ln -s ${secret} /leak; touch /ready; while true; do rm -rf /race; mkdir /race; echo in > /race/inside; rm -rf /race; ln -s ${secret} /race; done`;
    await skiff(['run', '-d', '--name', 'evil', 'busybox', 'sh', '-c', script]);
    await ready(skiff, 'evil');
    const before = readdirSync(secret).sort();
    expect((await skiff(['cp', 'evil:/leak/host-secret', join(out, 'stolen')])).exitCode).toBe(1);
    expect(existsSync(join(out, 'stolen'))).toBe(false);
    expect((await skiff(['cp', join(out, 'payload'), 'evil:/leak/'])).exitCode).not.toBe(0);
    // Copying the link itself gives the link, never what it points to on the host.
    expect((await skiff(['cp', 'evil:/leak', join(out, 'link')])).exitCode).toBe(0);
    expect(lstatSync(join(out, 'link')).isSymbolicLink()).toBe(true);
    for (let round = 0; round < 15; round++) {
      await skiff(['cp', join(out, 'payload'), 'evil:/race/payload']);
      await skiff(['cp', 'evil:/race/.', join(out, `round${round}`)]);
      expect(readdirSync(secret).sort()).toEqual(before);
      if (existsSync(join(out, `round${round}`))) expect(readdirSync(join(out, `round${round}`))).not.toContain('host-secret');
    }
    expect(readFileSync(join(secret, 'host-secret'), 'utf8')).toBe('do not copy');
    await removeSettled(sb, 'evil');
  });

  it("refuses what a forged archive from the container's tar says: .., absolute names, writes through its symlinks (attack)", async () => {
    const sb = sandbox();
    const { skiff } = sb;
    const victim = tempDir('skiff-test-cp-victim-');
    const work = tempDir('skiff-test-cp-forge-');
    mkdirSync(join(work, 'parts/ln-dir'), { recursive: true });
    writeFileSync(join(work, 'parts/escape'), 'escaped');
    writeFileSync(join(work, 'parts/ln-dir/pwned'), 'pwned');
    const { symlinkSync } = await import('node:fs');
    symlinkSync(victim, join(work, 'parts/ln'));
    // Entries: ../escape, /abs-escape, ln -> <victim>, ln/pwned (through the symlink just made).
    const renames: Record<string, string> = { escape: '../escape', 'ln-dir/': 'ln/', 'ln-dir/pwned': 'ln/pwned', abs: '/abs-escape' };
    writeFileSync(join(work, 'parts/abs'), 'absolute');
    const forged = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      tar
        .c({ cwd: join(work, 'parts'), portable: true, onWriteEntry: (entry: { path: string }) => void (entry.path = renames[entry.path] ?? entry.path) }, ['escape', 'abs', 'ln', 'ln-dir/', 'ln-dir/pwned'])
        .on('data', (chunk: Buffer) => chunks.push(chunk))
        .on('end', () => resolve(Buffer.concat(chunks)));
    });
    writeFileSync(join(work, 'forged.tar'), forged);
    // The container's own `tar` (first on PATH) prints the forged archive whatever it is asked.
    await skiff(['run', '-d', '--name', 'forger', 'busybox', 'sh', '-c', 'mkdir -p /usr/local/bin; printf "#!/bin/sh\\ncat /forged.tar\\n" > /usr/local/bin/tar; chmod 755 /usr/local/bin/tar; exec sleep 60']);
    await skiff(['exec', 'forger', 'sh', '-c', 'until test -x /usr/local/bin/tar; do sleep 0.05; done']);
    const upload = await skiff(['exec', '-i', 'forger', 'sh', '-c', 'cat > /forged.tar'], { input: forged });
    expect(upload.exitCode).toBe(0);
    const dest = join(work, 'dest');
    mkdirSync(dest);
    const result = await skiff(['cp', 'forger:/anything', dest]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/refused parts of the container's archive/);
    expect(readdirSync(victim)).toEqual([]);
    expect(existsSync(join(work, 'escape'))).toBe(false);
    expect(existsSync('/abs-escape')).toBe(false);
    await removeSettled(sb, 'forger');
  });
});
