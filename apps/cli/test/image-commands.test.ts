// image inspect, history, images --digests and image prune on an image pulled from a real registry
// (docker-registry on loopback, pushed with skopeo).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { ociLayout, push, registryUnavailable, startRegistry } from '../../../packages/image/test/registry-fixture.js';
import { sandbox } from './cli.js';

const unavailable = registryUnavailable();
if (unavailable) console.warn(`skipped: the image command tests ${unavailable}`);

describe.runIf(!unavailable && requiresRoot('pulled images are unpacked with their owners'))('image inspect, history, prune', () => {
  it("shows a pulled image in docker's shapes, and prune -a removes what no container uses", async () => {
    const { skiff, root } = sandbox();
    const registry = await startRegistry();
    const layout = ociLayout(join(tempDir('layout-'), 'oci'));
    const image = layout.image({
      layers: [
        { entries: [{ path: 'bin/', type: 'dir' }, { path: 'bin/busybox', content: readFileSync('/bin/busybox'), mode: 0o755 }, { path: 'bin/true', type: 'symlink', linkpath: 'busybox' }] },
        { entries: [{ path: 'note', content: 'x'.repeat(5000) }] },
      ],
      config: { Env: ['PATH=/bin'], Entrypoint: ['/bin/true'], WorkingDir: '/srv', User: '1000', Labels: { team: 'a' } },
      history: [
        { created: '2024-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ADD file:busybox in / ' },
        { created: '2024-01-01T00:00:01Z', created_by: '/bin/sh -c #(nop)  ENV PATH=/bin', empty_layer: true },
        { created: '2024-01-01T00:00:02Z', created_by: 'COPY note /note', comment: 'buildkit.dockerfile.v0' },
      ],
    });
    layout.tag('v1', image);
    const name = `${registry.host}/team/app:v1`;
    push(layout.dir, 'v1', name);
    expect((await skiff(['pull', '-q', name])).exitCode).toBe(0);
    expect((await skiff(['tag', name, 'local:v2'])).exitCode).toBe(0);

    const [inspected] = JSON.parse((await skiff(['image', 'inspect', 'local:v2'])).stdout) as Record<string, unknown>[];
    expect(inspected).toMatchObject({
      Id: image.config.digest,
      RepoTags: ['local:v2', name].sort(),
      RepoDigests: [`${registry.host}/team/app@${image.manifest.digest}`],
      Created: '2024-01-01T00:00:00Z',
      Config: { Env: ['PATH=/bin'], Entrypoint: ['/bin/true'], Cmd: null, WorkingDir: '/srv', User: '1000', Labels: { team: 'a' } },
      Architecture: 'amd64',
      Os: 'linux',
      RootFS: { Type: 'layers', Layers: image.layers.map((layer) => layer.diffId) },
    });
    expect(inspected!.Size).toBeGreaterThan(readFileSync('/bin/busybox').length + 5000);
    // Every key docker's Config and ContainerConfig have, with docker's zero values where the image has none.
    const keys = ['AttachStderr', 'AttachStdin', 'AttachStdout', 'Cmd', 'Domainname', 'Entrypoint', 'Env', 'Hostname', 'Image', 'Labels', 'OnBuild', 'OpenStdin', 'StdinOnce', 'Tty', 'User', 'Volumes', 'WorkingDir'];
    for (const field of ['Config', 'ContainerConfig']) expect(Object.keys(inspected![field] as object).sort(), field).toEqual(expect.arrayContaining(keys));
    expect(inspected!.ContainerConfig).toMatchObject({ Hostname: '', Tty: false, Env: null, Cmd: null, Volumes: null });
    expect(Object.keys(inspected!).sort()).toEqual(
      ['Architecture', 'Author', 'Comment', 'Config', 'ContainerConfig', 'Created', 'DockerVersion', 'GraphDriver', 'Id', 'Metadata', 'Os', 'Parent', 'RepoDigests', 'RepoTags', 'RootFS', 'Size'].sort(),
    );
    const missing = await skiff(['image', 'inspect', 'nosuch']);
    expect(missing.exitCode).toBe(1);

    const history = (await skiff(['history', name])).stdout.split('\n');
    expect(history[0]).toMatch(/^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$/);
    expect(history[1]).toMatch(new RegExp(`^${image.config.digest.slice(7, 19)} +.+ago +COPY note /note +5kB +buildkit.dockerfile.v0$`));
    expect(history[2]).toMatch(/^<missing> +.+ENV PATH=\/bin +0B *$/);
    expect(history[3]).toMatch(/^<missing> +.+ADD file:busybox.* +[\d.]+[kM]B *$/);
    expect(history).toHaveLength(4);

    const digests = (await skiff(['images', '--digests'])).stdout.split('\n');
    expect(digests[0]).toMatch(/^REPOSITORY +TAG +DIGEST +IMAGE ID +CREATED +SIZE$/);
    expect(digests.find((line) => line.startsWith(`${registry.host}/team/app `))).toMatch(new RegExp(` v1 +${image.manifest.digest} +${image.config.digest.slice(7, 19)} `));
    expect(digests.find((line) => line.startsWith('local '))).toMatch(/^local +v2 +<none> /);

    // A container made from it keeps it through prune -a; without the container it goes, layers and all.
    const created = await skiff(['create', name]);
    expect((await skiff(['image', 'prune', '-a', '-f'])).stdout).toBe('Total reclaimed space: 0B');
    expect((await skiff(['images', '-q'])).stdout.split('\n')).toHaveLength(2);
    expect((await skiff(['rm', created.stdout])).exitCode).toBe(0);
    const pruned = await skiff(['image', 'prune', '-a', '-f']);
    expect(pruned.stdout).toMatch(new RegExp(`^Deleted Images:\\nuntagged: ${name.replace(/\./g, '\\.')}\\nuntagged: local:v2\\ndeleted: ${image.config.digest}\\n\\nTotal reclaimed space: [\\d.]+[kM]B$`));
    expect(readdirSync(join(root, 'layers'))).toEqual([]);
    expect(readdirSync(join(root, 'chains'))).toEqual([]);
  });

  it('prune without -a deletes only layers that rmi -f kept for a container now gone', async () => {
    const { skiff, root } = sandbox();
    const created = await skiff(['create', 'busybox', 'true']);
    expect((await skiff(['rmi', '-f', 'busybox'])).exitCode).toBe(0);
    expect(readdirSync(join(root, 'layers'))).toHaveLength(1);
    // Asks first, as docker: no answer, nothing done.
    const declined = await skiff(['image', 'prune'], { input: 'n\n' });
    expect(declined.stdout).toContain('WARNING! This will remove all dangling images.');
    expect((await skiff(['image', 'prune', '-f'])).stdout).toBe('Total reclaimed space: 0B');
    expect(readdirSync(join(root, 'layers'))).toHaveLength(1);
    expect((await skiff(['rm', created.stdout])).exitCode).toBe(0);
    expect((await skiff(['image', 'prune'], { input: 'y\n' })).stdout).toMatch(/Total reclaimed space: [\d.]+MB$/);
    expect(readdirSync(join(root, 'layers'))).toEqual([]);
  });
});
