import { existsSync, lstatSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { removeSettled, sandbox, waitFor } from './cli.js';

// --format (Go templates), --filter and inspect of several objects, as scripts written for docker use them.
/** A root filesystem tarball with the host's static busybox, for `import`. */
async function busyboxTarball(): Promise<string> {
  const dir = tempDir('skiff-test-rootfs-');
  const { execFileSync } = await import('node:child_process');
  const { copyFileSync, mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'root/bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(dir, 'root/bin/busybox'));
  execFileSync('tar', ['-C', join(dir, 'root'), '-cf', join(dir, 'rootfs.tar'), '.']);
  return dir;
}

describe.runIf(requiresRoot('these tests run containers'))('output for scripts', () => {
  it('ps: templates, table, json, unknown fields, filters, -n/-l, -s; header only when empty', async () => {
    const sb = sandbox();
    const { skiff } = sb;
    expect((await skiff(['ps'])).stdout).toBe('CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES');
    expect((await skiff(['ps', '--format', 'table {{.ID}}\\t{{.Names}}'])).stdout).toBe('CONTAINER ID   NAMES');
    const up = (await skiff(['run', '-d', '--name', 'up', '-l', 'tier=web', '-l', 'x.y=1', 'busybox', 'sleep', '60'])).stdout;
    expect((await skiff(['run', '--name', 'three', 'busybox', 'sh', '-c', 'exit 3'])).exitCode).toBe(3);
    expect((await skiff(['create', '--name', 'fresh', 'busybox', 'true'])).exitCode).toBe(0);

    expect((await skiff(['ps', '--format', '{{.Names}} {{.State}} {{.Label "tier"}} {{.Labels}}'])).stdout).toBe('up running web tier=web,x.y=1');
    // Newest first, as docker.
    expect((await skiff(['ps', '-a', '--format', '{{.Names}}'])).stdout).toBe('fresh\nthree\nup');
    const table = (await skiff(['ps', '-a', '--format', 'table {{.Names}}\t{{.State}}\t{{.ID | printf "%.4s"}}'])).stdout.split('\n');
    // The header goes through the template too (as docker's): printf cuts the title as it cuts the ids.
    expect(table[0]).toBe('NAMES     STATE     CONT');
    expect(table[3]).toBe(`up        running   ${up.slice(0, 4)}`);
    const json = JSON.parse((await skiff(['ps', '--format', '{{json .}}'])).stdout);
    expect(Object.keys(json)).toEqual(['Command', 'CreatedAt', 'ID', 'Image', 'Labels', 'LocalVolumes', 'Mounts', 'Names', 'Networks', 'Ports', 'RunningFor', 'Size', 'State', 'Status']);
    expect(json).toMatchObject({ ID: up.slice(0, 12), Names: 'up', State: 'running', Image: 'busybox', Command: '"sleep 60"' });
    expect(json.CreatedAt).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC$/);
    expect((await skiff(['ps', '--no-trunc', '--format', '{{.ID}}'])).stdout).toBe(up);

    const unknown = await skiff(['ps', '--format', '{{.Nope}}']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toBe('skiff: template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.ContainerContext');
    const broken = await skiff(['ps', '--format', '{{if}}']);
    expect(broken.stderr).toBe('skiff: template: :1: missing value for if');

    const names = async (...flags: string[]) => (await skiff(['ps', ...flags, '--format', '{{.Names}}'])).stdout;
    expect(await names('-f', 'status=exited')).toBe('three');
    expect(await names('-a', '-f', 'status=created', '-f', 'status=exited')).toBe('fresh\nthree');
    expect(await names('-a', '-f', 'exited=3')).toBe('three');
    expect(await names('-a', '-f', 'exited=0')).toBe('');
    expect(await names('-a', '-f', 'name=^/th')).toBe('three');
    expect(await names('-a', '-f', `id=${up.slice(0, 8)}`)).toBe('up');
    expect(await names('-a', '-f', 'label=tier')).toBe('up');
    expect(await names('-a', '-f', 'label=tier=db')).toBe('');
    expect(await names('-a', '-f', 'ancestor=busybox:latest', '-f', 'status=exited')).toBe('three');
    expect(await names('-a', '-f', 'ancestor=alpine')).toBe('');
    expect(await names('-a', '-f', 'before=three')).toBe('up');
    expect(await names('-a', '-f', 'since=three')).toBe('fresh');
    expect(await names('-n', '2')).toBe('fresh\nthree');
    expect(await names('-a', '-f', 'network=none', '-f', 'status=running')).toBe('up');
    expect(await names('-a', '-f', 'network=host')).toBe('');
    expect(await names('-l')).toBe('fresh');
    const bad = await skiff(['ps', '-f', 'colour=red']);
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr).toMatch(/^skiff: invalid filter 'colour'/);
    expect((await skiff(['ps', '-f', 'status=sleepy'])).stderr).toMatch(/invalid filter 'status=sleepy'/);

    expect((await skiff(['exec', 'up', 'sh', '-c', 'head -c 5000 /dev/zero > /grown'])).exitCode).toBe(0);
    expect((await skiff(['ps', '-s', '--format', '{{.Size}}'])).stdout).toMatch(/^5kB \(virtual \d+(\.\d+)?MB\)$/);
    expect((await skiff(['ps', '-s'])).stdout.split('\n')[0]).toMatch(/NAMES +SIZE$/);
    expect((await skiff(['ps', '--format', '{{.Names}} {{.Size}}'])).stdout).toMatch(/^up 5kB \(virtual /);
    await removeSettled(sb, 'up');
  });

  it('inspect: -f over the JSON, several names print what exists and fail for the rest', async () => {
    const sb = sandbox();
    const { skiff } = sb;
    await skiff(['run', '-d', '--name', 'box', 'busybox', 'sleep', '60']);
    await skiff(['volume', 'create', 'data']);
    const result = await skiff(['inspect', '-f', '{{.Name}} {{.State.Status}} {{.State.Running}} {{len .Config.Env}}', 'box', 'nothere', 'box']);
    expect(result.stdout).toBe('/box running true 1\n/box running true 1');
    expect(result.stderr).toBe('Error: No such object: nothere');
    expect(result.exitCode).toBe(1);
    const all = await skiff(['inspect', '--format', '{{json .Config.Cmd}}|{{index .Config.Cmd 0}}|{{range .Config.Cmd}}<{{.}}>{{end}}', 'box']);
    expect(all.stdout).toBe('["sleep","60"]|sleep|<sleep><60>');
    expect((await skiff(['inspect', '-f', '{{.Name}} {{.Driver}}', 'data'])).stdout).toBe('data local');
    expect((await skiff(['inspect', '-f', '{{.RepoTags}}', 'busybox'])).stdout).toMatch(/^\[busybox(:latest)?\]$/);
    expect((await skiff(['inspect', '--type', 'volume', '-f', '{{.Name}}', 'box'])).stderr).toBe('Error: No such object: box');
    const none = await skiff(['inspect', 'nothere']);
    expect(none.stdout).toBe('[]');
    expect(none.exitCode).toBe(1);
    const missing = await skiff(['inspect', '-f', '{{.State.Nope}}', 'box']);
    expect(missing.stderr).toBe('skiff: template: :1:2: executing "" at <.State.Nope>: map has no entry for key "Nope"');
    expect(missing.exitCode).toBe(1);
    expect((await skiff(['inspect', '-s', '-f', '{{.SizeRw}}', 'box'])).stdout).toBe('0');
    await removeSettled(sb, 'box');
  });

  it('images and volume ls: templates, filters; header only when empty', async () => {
    const { skiff } = sandbox();
    expect((await skiff(['images'])).stdout).toBe('REPOSITORY   TAG       IMAGE ID   CREATED   SIZE');
    expect((await skiff(['volume', 'ls'])).stdout).toBe('DRIVER    VOLUME NAME');
    await skiff(['create', 'busybox', 'true']);
    expect((await skiff(['tag', 'busybox', 'mine/box:v1'])).exitCode).toBe(0);
    const images = async (...flags: string[]) => (await skiff(['images', ...flags, '--format', '{{.Repository}}:{{.Tag}}'])).stdout.split('\n').sort().join(' ');
    expect(await images()).toBe('busybox:latest mine/box:v1');
    expect(await images('-f', 'reference=mine/*')).toBe('mine/box:v1');
    expect(await images('-f', 'reference=*:latest')).toBe('busybox:latest');
    expect(await images('-f', 'dangling=true')).toBe('');
    expect(await images('-f', 'dangling=false')).toBe('busybox:latest mine/box:v1');
    expect(await images('-f', 'label=none')).toBe('');
    const json = JSON.parse((await skiff(['images', '--format', 'json', '-f', 'reference=busybox'])).stdout);
    expect(Object.keys(json)).toEqual(['Containers', 'CreatedAt', 'CreatedSince', 'Digest', 'ID', 'Repository', 'SharedSize', 'Size', 'Tag', 'UniqueSize', 'VirtualSize']);
    expect((await skiff(['images', '-f', 'bogus=1'])).stderr).toMatch(/invalid filter 'bogus'/);
    expect((await skiff(['import', join(await busyboxTarball(), 'rootfs.tar'), 'later:v2'])).exitCode).toBe(0);
    expect(await images('-f', 'since=busybox')).toBe('later:v2');
    expect(await images('-f', 'before=later:v2', '-f', 'reference=busybox')).toBe('busybox:latest');
    expect((await skiff(['images', '-f', 'since=nosuch'])).stderr).toMatch(/no such image: nosuch/);

    await skiff(['volume', 'create', '--label', 'team=a', 'alpha']);
    await skiff(['volume', 'create', 'beta']);
    expect((await skiff(['volume', 'ls', '--format', '{{.Name}}:{{.Driver}}:{{.Label "team"}}'])).stdout.split('\n').sort()).toEqual(['alpha:local:a', 'beta:local:']);
    expect((await skiff(['volume', 'ls', '--format', 'table {{.Name}}\t{{.Scope}}', '-f', 'name=alp'])).stdout).toBe('VOLUME NAME   SCOPE\nalpha         local');
    const volume = JSON.parse((await skiff(['volume', 'ls', '--format', 'json', '-f', 'name=beta'])).stdout);
    expect(volume).toMatchObject({ Name: 'beta', Driver: 'local', Scope: 'local' });
    expect(volume.Mountpoint).toMatch(/volumes\/local\/beta\/_data$/);
  });
});

describe.runIf(requiresRoot('these tests run containers'))('run and create flags', () => {
  it('--env-file and -e, --label-file and -l, --stop-signal, --stop-timeout, --flag=false forms', async () => {
    const { skiff } = sandbox();
    const dir = tempDir('skiff-test-envfile-');
    writeFileSync(join(dir, 'env'), '# comment\n  A=1\nB="quoted"\nFROM_SHELL\nUNSET_HERE\n\nC=x y\n');
    writeFileSync(join(dir, 'labels'), 'a=1\nbare\n');
    const env = await skiff(['run', '--rm', '--env-file', join(dir, 'env'), '-e', 'A=2', 'busybox', 'env'], { env: { FROM_SHELL: 'yes' } });
    const lines = env.stdout.split('\n');
    expect(lines).toEqual(expect.arrayContaining(['A=2', 'B="quoted"', 'C=x y', 'FROM_SHELL=yes']));
    expect(lines.filter((line) => line.startsWith('UNSET_HERE') || line === 'A=1')).toEqual([]);
    const made = await skiff(['create', '--name', 'lab', '--label-file', join(dir, 'labels'), '-l', 'a=2', '--label', 'c', '--stop-signal', 'USR1', '--stop-timeout', '5', 'busybox', 'sh', '-c', 'trap "exit 42" USR1; touch /ready; while true; do sleep 0.1; done']);
    expect(made.exitCode).toBe(0);
    expect((await skiff(['inspect', '-f', '{{json .Config.Labels}} {{.Config.StopSignal}} {{.Config.StopTimeout}}', 'lab'])).stdout).toBe('{"a":"2","bare":"","c":""} SIGUSR1 5');
    // The trap's 42 shows stop sent SIGUSR1 (SIGKILL would be 137).
    await skiff(['start', 'lab']);
    // PID 1 ignores a signal it has no handler for: stop only once the trap is set.
    await waitFor(async () => (await skiff(['exec', 'lab', 'test', '-f', '/ready'])).exitCode === 0, 'the trap');
    expect((await skiff(['stop', 'lab'])).exitCode).toBe(0);
    expect((await skiff(['inspect', '-f', '{{.State.ExitCode}}', 'lab'])).stdout).toBe('42');
    expect((await skiff(['run', '--rm=true', '--interactive=false', '-t=false', 'busybox', 'echo', 'ok'])).stdout).toBe('ok');
    expect((await skiff(['run', '--rm=false', '--name', 'kept', 'busybox', 'true'])).exitCode).toBe(0);
    expect((await skiff(['ps', '-a', '-f', 'name=kept', '--format', '{{.Names}}'])).stdout).toBe('kept');
    const bad = await skiff(['run', '--env-file', join(dir, 'missing'), 'busybox', 'true']);
    expect(bad.exitCode).toBe(125);
    expect(bad.stderr).toMatch(/--env-file ".*missing": no such file/);
    writeFileSync(join(dir, 'spaced'), 'MY VAR=1\n');
    expect((await skiff(['run', '--env-file', join(dir, 'spaced'), 'busybox', 'true'])).stderr).toMatch(/variable "MY VAR" contains whitespaces/);
    expect((await skiff(['run', '--stop-timeout', 'soon', 'busybox', 'true'])).exitCode).toBe(125);
  });

  it('--stop-timeout is what stop waits before SIGKILL when given no -t', async () => {
    const { skiff } = sandbox();
    await skiff(['run', '-d', '--name', 'slow', '--stop-timeout', '1', 'busybox', 'sleep', '60']);
    const started = performance.now();
    expect((await skiff(['stop', 'slow'])).exitCode).toBe(0);
    const seconds = (performance.now() - started) / 1000;
    expect(seconds).toBeGreaterThan(0.9);
    expect(seconds).toBeLessThan(8); // the default would be 10 s
    expect((await skiff(['inspect', '-f', '{{.State.ExitCode}}', 'slow'])).stdout).toBe('137');
  });

  it('--cidfile: the id is written; an existing file or a planted symlink is refused and left alone (attack)', async () => {
    const sb = sandbox();
    const { skiff } = sb;
    const dir = tempDir('skiff-test-cidfile-');
    const cid = join(dir, 'cid');
    const id = (await skiff(['run', '-d', '--cidfile', cid, 'busybox', 'sleep', '60'])).stdout;
    expect(readFileSync(cid, 'utf8')).toBe(id);
    const again = await skiff(['run', '--cidfile', cid, 'busybox', 'true']);
    expect(again.exitCode).toBe(125);
    expect(again.stderr).toMatch(/container ID file found, make sure the other container isn't running or delete/);
    expect(readFileSync(cid, 'utf8')).toBe(id);
    // A symlink planted where the cidfile goes, pointing at a file the user cares about: never followed.
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(dir, 'planted'));
    const planted = await skiff(['create', '--cidfile', join(dir, 'planted'), 'busybox', 'true']);
    expect(planted.exitCode).toBe(125);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(join(dir, 'planted')).isSymbolicLink()).toBe(true);
    // A failed create leaves no cidfile behind.
    const failed = await skiff(['create', '--cidfile', join(dir, 'none'), '--pull', 'never', 'no-such-image', 'true']);
    expect(failed.exitCode).toBe(125);
    expect(existsSync(join(dir, 'none'))).toBe(false);
    expect((await skiff(['ps', '-aq'])).stdout).toBe(id.slice(0, 12));
    await removeSettled(sb, id);
  });
});
