// save and load (issue 12), checked against a real peer: skopeo reads skiff's archives (docker-archive: and
// oci-archive:) and writes archives skiff loads; images keep their id through every round trip.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { busyboxEntries, ociLayout, push, registryUnavailable, startRegistry } from '../../../packages/image/test/registry-fixture.js';
import { imageId, sandbox } from './cli.js';

const unavailable = registryUnavailable();
if (unavailable) console.warn(`skipped: the save/load tests ${unavailable}`);

function skopeo(dir: string, ...args: string[]): string {
  const policy = join(dir, 'policy.json');
  writeFileSync(policy, '{"default":[{"type":"insecureAcceptAnything"}]}');
  const result = spawnSync('skopeo', ['--policy', policy, ...args], { encoding: 'utf8', env: { ...process.env, HOME: dir } });
  if (result.status !== 0) throw new Error(`skopeo ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** A registry holding `team/app:v1`: busybox, a whiteout in a zstd (or gzip) layer, a config run honours. */
async function registryWithApp(whiteoutLayer: 'zstd' | 'gzip' = 'zstd') {
  const registry = await startRegistry();
  const layout = ociLayout(join(tempDir('layout-'), 'oci'));
  const image = layout.image({
    layers: [
      {
        entries: [
          ...busyboxEntries(['sh', 'cat', 'ls']),
          { path: 'etc/', type: 'dir' },
          { path: 'etc/kept', content: 'kept\n' },
          { path: 'etc/removed', content: 'gone in the next layer' },
        ],
      },
      { entries: [{ path: 'etc/', type: 'dir' }, { path: 'etc/.wh.removed', content: '' }], compression: whiteoutLayer },
    ],
    config: { Env: ['PATH=/bin'], Cmd: ['ls', '/etc'], WorkingDir: '/etc' },
  });
  layout.tag('v1', image);
  push(layout.dir, 'v1', `${registry.host}/team/app:v1`);
  return { registry, image, name: `${registry.host}/team/app:v1` };
}


describe.runIf(!unavailable && requiresRoot('loaded layers are unpacked with their owners'))('save and load', () => {
  it('save -o then load -i gives the same image (same id, same content); several images through a pipe', async () => {
    const { skiff } = sandbox();
    const { name, image } = await registryWithApp();
    const dir = tempDir('archive-');
    expect((await skiff(['pull', '-q', name])).exitCode).toBe(0);
    expect((await skiff(['run', '--rm', 'busybox', 'true'])).exitCode).toBe(0);
    expect(await imageId(skiff, name)).toBe(image.config.digest);

    const file = join(dir, 'app.tar');
    const saved = await skiff(['save', '-o', file, name]);
    expect(saved.exitCode, String(saved.stderr)).toBe(0);
    expect((await skiff(['rmi', name])).exitCode).toBe(0);
    const loaded = await skiff(['load', '-i', file]);
    expect(loaded.stdout).toBe(`Loaded image: ${name}`);
    expect(await imageId(skiff, name)).toBe(image.config.digest);
    expect((await skiff(['run', '--rm', name])).stdout).toBe('kept');

    // Two images to stdout, back through stdin.
    const both = join(dir, 'both.tar');
    const piped = await skiff(['save', name, 'busybox'], { stdout: { file: both } });
    expect(piped.exitCode, String(piped.stderr)).toBe(0);
    expect((await skiff(['rmi', name, 'busybox'])).exitCode).toBe(0);
    const again = await skiff(['load'], { input: readFileSync(both) });
    expect(again.stdout).toBe(`Loaded image: ${name}\nLoaded image: busybox:latest`);
    expect((await skiff(['run', '--rm', 'busybox', 'echo', 'ok'])).stdout).toBe('ok');
    expect((await skiff(['load', '-q', '-i', both])).stdout).toBe('');
  });

  it("skopeo reads skiff's archive as docker-archive: and oci-archive:, and pushes it to a registry skiff pulls it from with the same id", async () => {
    const { skiff } = sandbox();
    // gzip: skopeo's blob cache may reuse the registry's copy of a layer, and a zstd one has no docker form.
    const { name, image, registry } = await registryWithApp('gzip');
    const dir = tempDir('archive-');
    expect((await skiff(['pull', '-q', name])).exitCode).toBe(0);
    const file = join(dir, 'app.tar');
    expect((await skiff(['save', '-o', file, name])).exitCode).toBe(0);

    const inspected = JSON.parse(skopeo(dir, 'inspect', '--config', `docker-archive:${file}`)) as { rootfs: { diff_ids: string[] } };
    expect(inspected.rootfs.diff_ids).toEqual(image.layers.map((layer) => layer.diffId));
    // --format v2s2: a docker-archive source copied as OCI gets a converted config (another id).
    skopeo(dir, 'copy', '--quiet', '--dest-tls-verify=false', '--format', 'v2s2', `docker-archive:${file}`, `docker://${registry.host}/peer/app:docker`);
    skopeo(dir, 'copy', '--quiet', '--dest-tls-verify=false', '--preserve-digests', `oci-archive:${file}:v1`, `docker://${registry.host}/peer/app:oci`);
    for (const tag of ['docker', 'oci']) {
      const copy = `${registry.host}/peer/app:${tag}`;
      expect((await skiff(['pull', '-q', copy])).exitCode).toBe(0);
      expect(await imageId(skiff, copy)).toBe(image.config.digest);
      expect((await skiff(['run', '--rm', copy])).stdout).toBe('kept');
    }

    // A plain OCI layout (the archive without docker's manifest.json) loads by its index.json names.
    const oci = join(dir, 'oci.tar');
    const unpacked = tempDir('layout-');
    expect(spawnSync('tar', ['-xf', file, '-C', unpacked]).status).toBe(0);
    rmSync(join(unpacked, 'manifest.json'));
    expect(spawnSync('tar', ['-C', unpacked, '-cf', oci, '.']).status).toBe(0);
    expect((await skiff(['rmi', name])).exitCode).toBe(0);
    expect((await skiff(['load', '-i', oci])).stdout).toBe(`Loaded image: ${name}`);
    expect(await imageId(skiff, name)).toBe(image.config.digest);
  });

  it('loads the docker-archive skopeo writes (legacy layer.tar form), with its name and id', async () => {
    const { skiff } = sandbox();
    // skopeo refuses zstd layers in a docker archive.
    const { name, image, registry } = await registryWithApp('gzip');
    const dir = tempDir('archive-');
    const file = join(dir, 'skopeo.tar');
    skopeo(dir, 'copy', '--quiet', '--src-tls-verify=false', `docker://${name}`, `docker-archive:${file}:${registry.host}/made/by-skopeo:v2`);
    const loaded = await skiff(['load', '-i', file]);
    expect(loaded.stdout, String(loaded.stderr)).toBe(`Loaded image: ${registry.host}/made/by-skopeo:v2`);
    expect(await imageId(skiff, `${registry.host}/made/by-skopeo:v2`)).toBe(image.config.digest);
    expect((await skiff(['run', '--rm', `${registry.host}/made/by-skopeo:v2`, 'cat', '/etc/removed'])).exitCode).toBe(1);
  });

  it("a committed layer's deletions travel as OCI whiteouts (.wh.NAME, .wh..wh..opq), and load honours them", async () => {
    const one = sandbox();
    const dir = tempDir('archive-');
    const made = await one.skiff(['run', '--name', 'c', 'busybox', 'sh', '-c', 'rm /bin/ls; rm -rf /etc; mkdir /etc; echo new > /etc/only']);
    expect(made.exitCode, String(made.stderr)).toBe(0);
    expect((await one.skiff(['commit', 'c', 'snap:v1'])).exitCode).toBe(0);
    const file = join(dir, 'snap.tar');
    expect((await one.skiff(['save', '-o', file, 'snap:v1'])).exitCode).toBe(0);

    const unpacked = tempDir('layout-');
    expect(spawnSync('tar', ['-xf', file, '-C', unpacked]).status).toBe(0);
    const [manifest] = JSON.parse(readFileSync(join(unpacked, 'manifest.json'), 'utf8')) as { Layers: string[] }[];
    const top = spawnSync('tar', ['-tvf', join(unpacked, manifest!.Layers.at(-1)!)], { encoding: 'utf8' }).stdout;
    expect(top).toMatch(/ \.\/bin\/\.wh\.ls\n/);
    expect(top).toMatch(/ \.\/etc\/\.wh\.\.wh\.\.opq\n/);
    expect(top).not.toMatch(/^c/m); // no character devices
    expect(top).not.toMatch(/^-.* \.\/bin\/ls$/m);

    const two = sandbox();
    expect((await two.skiff(['load', '-i', file])).stdout).toBe('Loaded image: snap:v1');
    const seen = await two.skiff(['run', '--rm', '--pull', 'never', 'snap:v1', 'sh', '-c', 'ls /etc; ls /bin/ls 2>/dev/null || echo no-ls']);
    expect(seen.stdout).toBe('only\nno-ls');
  });

  it('dangling images: an unnamed skopeo archive loads as <none>:<none>; save by id round-trips with its id; rmi by id; prune spares one a container uses', async () => {
    const { skiff } = sandbox();
    const { name, image, registry } = await registryWithApp('gzip');
    const dir = tempDir('archive-');
    const unnamed = join(dir, 'unnamed.tar');
    // No reference after the path: skopeo writes the image without RepoTags, as `docker save IMAGE_ID`.
    skopeo(dir, 'copy', '--quiet', '--src-tls-verify=false', `docker://${name}`, `docker-archive:${unnamed}`);
    const loaded = await skiff(['load', '-i', unnamed]);
    expect(loaded.stdout, String(loaded.stderr)).toBe(`Loaded image ID: ${image.config.digest}`);
    const rows = (await skiff(['images', '--format', '{{.Repository}} {{.Tag}} {{.ID}} {{.Digest}}'])).stdout;
    expect(rows).toBe(`<none> <none> ${image.config.digest.slice(7, 19)} <none>`);
    expect((await skiff(['images', '-a', '-q', '--no-trunc', '-f', 'dangling=true'])).stdout).toBe(image.config.digest);
    expect((await skiff(['images', '-q', '-f', 'dangling=false'])).stdout).toBe('');
    expect(await imageId(skiff, image.config.digest.slice(7, 19))).toBe(image.config.digest);
    const inspected = JSON.parse((await skiff(['image', 'inspect', image.config.digest])).stdout) as { RepoTags: string[]; RepoDigests: string[] }[];
    expect(inspected[0]).toMatchObject({ RepoTags: [], RepoDigests: [] });

    // save by id (short, full, with or without sha256:) writes no name; another store loads the same id.
    for (const reference of [image.config.digest.slice(7, 19), image.config.digest, image.config.digest.slice(7)]) {
      const file = join(dir, 'by-id.tar');
      const saved = await skiff(['save', '-o', file, reference]);
      expect(saved.exitCode, String(saved.stderr)).toBe(0);
      const other = sandbox();
      expect((await other.skiff(['load', '-i', file])).stdout).toBe(`Loaded image ID: ${image.config.digest}`);
      expect((await other.skiff(['images', '-q', '--no-trunc'])).stdout).toBe(image.config.digest);
    }
    // Named, it is no longer dangling; untagged again by a re-tag, it is.
    expect((await skiff(['tag', image.config.digest.slice(7, 15), 'named:v1'])).exitCode).toBe(0);
    expect((await skiff(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout).toBe('named:v1');
    expect((await skiff(['run', '--rm', '--pull', 'never', 'busybox', 'true'])).exitCode).toBe(0); // made from the host
    expect((await skiff(['tag', 'busybox', 'named:v1'])).exitCode).toBe(0);
    expect((await skiff(['images', '-q', '--no-trunc', '-f', 'dangling=true'])).stdout).toBe(image.config.digest);
    const removed = await skiff(['rmi', image.config.digest.slice(7, 19)]);
    expect(removed.stdout, String(removed.stderr)).toBe(`Deleted: ${image.config.digest}`);
    expect((await skiff(['images', '-q', '-f', 'dangling=true'])).stdout).toBe('');

    // prune: a dangling image a container was made from stays; one nobody uses goes; named ones stay.
    expect((await skiff(['load', '-i', unnamed])).exitCode).toBe(0);
    expect((await skiff(['tag', 'busybox', 'base:v1'])).exitCode).toBe(0);
    expect((await skiff(['run', '--name', 'maker', '--pull', 'never', 'base:v1', 'touch', '/made'])).exitCode).toBe(0);
    expect((await skiff(['commit', 'maker', 'snap:v1'])).exitCode).toBe(0);
    const snapId = (await imageId(skiff, 'snap:v1')).slice(7);
    expect((await skiff(['create', '--name', 'user', '--pull', 'never', 'snap:v1', 'true'])).exitCode).toBe(0);
    expect((await skiff(['tag', 'busybox', 'snap:v1'])).exitCode).toBe(0);
    expect((await skiff(['images', '-q', '--no-trunc', '-f', 'dangling=true'])).stdout.split('\n').sort()).toEqual([image.config.digest, `sha256:${snapId}`].sort());
    const pruned = await skiff(['image', 'prune', '-f']);
    expect(pruned.stdout, String(pruned.stderr)).toContain(`deleted: ${image.config.digest}`);
    expect(pruned.stdout).not.toContain('untagged:');
    expect((await skiff(['images', '-q', '--no-trunc', '-f', 'dangling=true'])).stdout).toBe(`sha256:${snapId}`);
    expect((await skiff(['start', '-a', 'user'])).exitCode).toBe(0);
    expect((await skiff(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout.split('\n').sort()).toEqual(['<none>:<none>', 'base:v1', 'busybox:latest', 'named:v1', 'snap:v1']);
    void registry;
  });

  it("refuses what docker refuses, in one line with exit 1: a missing image, a terminal, a missing file", async () => {
    const { skiff } = sandbox();
    const dir = tempDir('archive-');
    const missing = await skiff(['save', '-o', join(dir, 'x.tar'), 'nosuch:v1']);
    expect(missing.exitCode).toBe(1);
    expect(String(missing.stderr).trim().split('\n')).toHaveLength(1);
    expect(spawnSync('ls', [dir]).stdout.toString()).toBe('');
    const file = await skiff(['load', '-i', join(dir, 'none.tar')]);
    expect(file.exitCode).toBe(1);
    expect(file.stderr).toMatch(/no such file/);
  });
});
