// skiff pull / run with images from a real registry (docker-registry on loopback, images pushed with skopeo):
// docker's pull output, run pulling what is missing, the image config honoured, images listing them.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { busyboxEntries, ociLayout, push, registryUnavailable, startRegistry } from '../../../packages/image/test/registry-fixture.js';
import { sandbox } from './cli.js';

const unavailable = registryUnavailable();
if (unavailable) console.warn(`skipped: the CLI pull tests ${unavailable}`);

const TOOLS = ['sh', 'echo', 'id', 'pwd', 'sleep', 'cat', 'ls'];

/** A registry with `team/app:v1`: busybox, a user `app`, and a config using every field run honours. */
async function registryWithApp() {
  const registry = await startRegistry();
  const layout = ociLayout(join(tempDir('layout-'), 'oci'));
  const image = layout.image({
    layers: [
      {
        entries: [
          ...busyboxEntries(TOOLS),
          { path: 'etc/', type: 'dir' },
          { path: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/srv:/bin/sh\n' },
          { path: 'etc/group', content: 'root:x:0:\napp:x:1001:\n' },
          { path: 'etc/removed', content: 'gone in the next layer' },
          { path: 'srv/', type: 'dir', mode: 0o777 },
        ],
      },
      { entries: [{ path: 'etc/', type: 'dir' }, { path: 'etc/.wh.removed', content: '' }], compression: 'zstd' },
    ],
    config: {
      Env: ['PATH=/bin', 'GREETING=hello'],
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: ['echo "$GREETING from $(pwd) as $(id -u):$(id -g)"; ls /etc'],
      WorkingDir: '/srv',
      User: 'app',
      StopSignal: 'SIGUSR1',
    },
  });
  layout.tag('v1', image);
  push(layout.dir, 'v1', `${registry.host}/team/app:v1`);
  return { registry, image, name: `${registry.host}/team/app:v1` };
}

describe.runIf(!unavailable && requiresRoot('pulled images are unpacked with their owners and run'))('skiff pull and run from a registry', () => {
  it('run pulls a missing image with progress, then runs its entrypoint + cmd as its user, in its workdir, with its env', async () => {
    const { skiff } = sandbox();
    const { name, image } = await registryWithApp();
    const run = await skiff(['run', '--rm', name]);
    expect(run.stderr).toContain(`Unable to find image '${name}' locally`);
    expect(run.stderr).toContain('v1: Pulling from team/app');
    for (const layer of image.layers) expect(run.stderr).toContain(`${layer.digest.slice(7, 19)}: Pull complete`);
    expect(run.stderr).toContain(`Digest: ${image.manifest.digest}`);
    expect(run.stderr).toContain(`Status: Downloaded newer image for ${name}`);
    expect(run.stdout).toBe('hello from /srv as 1000:1001\ngroup\npasswd');
    expect(run.exitCode).toBe(0);

    // Present now: no pull; -u, -w, --entrypoint and arguments override the config as in docker.
    const again = await skiff(['run', '--rm', '-u', '0', '-w', '/', name, 'echo "$GREETING as $(id -u) in $(pwd)"']);
    expect(again.stderr).toBe('');
    expect(again.stdout).toBe('hello as 0 in /');
    expect((await skiff(['run', '--rm', '--entrypoint', '/bin/echo', name, 'just', 'this'])).stdout).toBe('just this');

    const listing = (await skiff(['images'])).stdout;
    expect(listing).toMatch(new RegExp(`\\n${name.replace(':v1', '').replace(/\./g, '\\.')} +v1 +${image.config.digest.slice(7, 19)} `));
  });

  it('pull prints docker-style state changes in a pipe, the name alone with -q, and a 404 in one line', async () => {
    const { skiff } = sandbox();
    const { name, image } = await registryWithApp();
    const pulled = await skiff(['pull', name]);
    expect(pulled.exitCode).toBe(0);
    const short = image.layers.map((layer) => layer.digest.slice(7, 19));
    expect(pulled.stdout.split('\n')[0]).toBe('v1: Pulling from team/app');
    for (const id of short) {
      const states = pulled.stdout.split('\n').filter((line) => line.startsWith(`${id}: `)).map((line) => line.slice(14));
      expect(states).toEqual(['Pulling fs layer', 'Download complete', 'Extracting', 'Pull complete']);
    }
    expect(pulled.stdout).toMatch(new RegExp(`\\nDigest: ${image.manifest.digest}\\nStatus: Downloaded newer image for ${name}\\n${name}$`));
    expect((await skiff(['pull', '-q', name])).stdout).toBe(name);
    const second = await skiff(['pull', name]);
    expect(second.stdout).toContain(`Status: Image is up to date for ${name}`);
    for (const id of short) expect(second.stdout).toContain(`${id}: Already exists`);

    // By digest: stored under NAME@DIGEST, listed with the tag <none>; --pull always checks the registry again.
    const byDigest = `${name.replace(':v1', '')}@${image.manifest.digest}`;
    expect((await skiff(['pull', '-q', byDigest])).stdout).toBe(byDigest);
    expect((await skiff(['images'])).stdout).toMatch(new RegExp(`\\n${name.replace(':v1', '').replace(/\./g, '\\.')} +<none> +${image.config.digest.slice(7, 19)} `));
    const always = await skiff(['create', '--pull', 'always', name]);
    expect(always.stderr).toContain(`Status: Image is up to date for ${name}`);
    expect(always.stdout).toMatch(/^[0-9a-f]{64}$/);
    expect((await skiff(['rm', always.stdout])).exitCode).toBe(0);

    const missing = await skiff(['pull', name.replace(':v1', ':nope')]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toBe(`skiff: manifest for ${name.replace(':v1', ':nope')} not found: manifest unknown`);
    const never = await skiff(['run', '--rm', '--pull', 'never', name.replace(':v1', ':other')]);
    expect(never.exitCode).toBe(125);
    expect(never.stderr).toMatch(/not found/);
  });

  it('two skiff pull processes at once download each layer once between them', async () => {
    const { skiff } = sandbox();
    const { name, image } = await registryWithApp();
    const [a, b] = await Promise.all([skiff(['pull', name]), skiff(['pull', name])]);
    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    const lines = `${a.stdout}\n${b.stdout}`.split('\n');
    for (const layer of image.layers) {
      const id = layer.digest.slice(7, 19);
      expect(lines.filter((line) => line === `${id}: Download complete`)).toHaveLength(1);
      expect(lines.filter((line) => line === `${id}: Pull complete` || line === `${id}: Already exists`)).toHaveLength(2);
    }
    expect((await skiff(['images', '-q'])).stdout).toBe(image.config.digest.slice(7, 19));
  });

  it('a pull killed mid-extraction leaves no image and no half layer; the next pull cleans up and succeeds', async () => {
    const { skiff, root } = sandbox();
    const registry = await startRegistry();
    const layout = ociLayout(join(tempDir('layout-'), 'oci'));
    const files = Array.from({ length: 1500 }, (_, i) => ({ path: `data/f${i}`, content: randomBytes(8192) }));
    layout.tag('big', layout.image({ layers: [{ entries: [{ path: 'data/', type: 'dir' as const }, ...files] }] }));
    push(layout.dir, 'big', `${registry.host}/team/big:1`);
    const name = `${registry.host}/team/big:1`;
    const first = skiff(['pull', name]);
    await new Promise<void>((resolve) => {
      first.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('Extracting')) resolve();
      });
      void first.then(() => resolve());
    });
    first.kill('SIGKILL');
    await first;
    expect((await skiff(['images', '-q'])).stdout).toBe('');
    expect(readdirSync(join(root, 'tmp'))).toHaveLength(1); // the killed pull's staging dir, never published
    expect(existsSync(join(root, 'chains'))).toBe(false);
    const second = await skiff(['pull', '-q', name]);
    expect(second.exitCode).toBe(0);
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    expect(readdirSync(join(root, 'blobs/.partial'))).toEqual([]);
    expect(readdirSync(join(root, 'layers'))).toHaveLength(1);
  });

  it("stop sends the image's StopSignal", async () => {
    const { skiff } = sandbox();
    const { name } = await registryWithApp();
    const started = await skiff(['run', '-d', '--name', 'sig', name, 'trap "echo got USR1; exit 3" USR1; echo ready; while :; do sleep 0.1; done']);
    expect(started.exitCode).toBe(0);
    for (let i = 0; i < 100 && !(await skiff(['logs', 'sig'])).stdout.includes('ready'); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await skiff(['stop', '-t', '20', 'sig'])).exitCode).toBe(0);
    expect((await skiff(['logs', 'sig'])).stdout).toContain('got USR1');
    expect(JSON.parse((await skiff(['inspect', 'sig'])).stdout)[0].State.ExitCode).toBe(3);
    await skiff(['rm', 'sig']);
  });
});
