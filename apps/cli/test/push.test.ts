// skiff push (issue 12) to a real docker-registry on loopback: a pulled image goes back byte for byte (same
// manifest digest), an image made here is exported and gzipped, and a registry with Basic auth takes a push only
// after login. Another state root pulls what was pushed and runs it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { busyboxEntries, ociLayout, push, registryUnavailable, startRegistry } from '../../../packages/image/test/registry-fixture.js';
import { imageId, sandbox } from './cli.js';

const unavailable = registryUnavailable();
if (unavailable) console.warn(`skipped: the push tests ${unavailable}`);


describe.runIf(!unavailable && requiresRoot('pushed images are pulled and run'))('skiff push', () => {
  it('pushes a pulled image under another name byte for byte, and a local one (busybox) so another root pulls and runs both', async () => {
    const registry = await startRegistry();
    const layout = ociLayout(join(tempDir('layout-'), 'oci'));
    const built = layout.image({
      layers: [
        {
          entries: [
            ...busyboxEntries(['sh', 'cat']),
            { path: 'message', content: 'pushed\n' },
          ],
        },
      ],
      config: { Env: ['PATH=/bin'], Cmd: ['cat', '/message'] },
    });
    layout.tag('v1', built);
    push(layout.dir, 'v1', `${registry.host}/team/app:v1`);

    const one = sandbox();
    expect((await one.skiff(['pull', '-q', `${registry.host}/team/app:v1`])).exitCode).toBe(0);
    expect((await one.skiff(['tag', `${registry.host}/team/app:v1`, `${registry.host}/copy/app:v2`])).exitCode).toBe(0);
    const pushed = await one.skiff(['push', `${registry.host}/copy/app:v2`]);
    expect(pushed.exitCode, String(pushed.stderr)).toBe(0);
    const lines = pushed.stdout.split('\n');
    expect(lines[0]).toBe(`The push refers to repository [${registry.host}/copy/app]`);
    expect(lines).toContain(`${built.layers[0]!.digest.slice(7, 19)}: Pushed`);
    expect(lines.at(-1)).toBe(`v2: digest: ${built.manifest.digest} size: ${built.manifest.size}`);

    expect((await one.skiff(['run', '--rm', 'busybox', 'true'])).exitCode).toBe(0);
    expect((await one.skiff(['tag', 'busybox', `${registry.host}/local/busybox:mine`])).exitCode).toBe(0);
    const local = await one.skiff(['push', `${registry.host}/local/busybox:mine`]);
    expect(local.stdout, String(local.stderr)).toMatch(/\nmine: digest: sha256:[0-9a-f]{64} size: \d+$/);
    // Again: every layer is there already.
    const again = await one.skiff(['push', `${registry.host}/local/busybox:mine`]);
    expect(again.stdout).toMatch(/: Layer already exists\n/);
    expect((await one.skiff(['push', '-q', `${registry.host}/local/busybox:mine`])).stdout).toBe(`${registry.host}/local/busybox:mine`);

    const two = sandbox();
    expect((await two.skiff(['run', '--rm', `${registry.host}/copy/app:v2`])).stdout).toBe('pushed');
    expect(await imageId(two.skiff, `${registry.host}/copy/app:v2`)).toBe(built.config.digest);
    expect((await two.skiff(['run', '--rm', `${registry.host}/local/busybox:mine`, 'echo', 'local'])).stdout).toBe('local');
  });

  it('push -a pushes every tag of the repository (and no other repository), -q names it once; a tag with -a is refused', async () => {
    const registry = await startRegistry();
    const { skiff } = sandbox();
    const repository = `${registry.host}/team/all`;
    expect((await skiff(['run', '--name', 'maker', '--pull', 'never', 'busybox', 'sh', '-c', 'echo made > /made'])).exitCode).toBe(0);
    expect((await skiff(['commit', 'maker', `${repository}:made`])).exitCode).toBe(0);
    for (const name of [`${repository}:a`, `${repository}:b`, repository, `${registry.host}/team/other:x`]) expect((await skiff(['tag', 'busybox', name])).exitCode).toBe(0);

    const pushed = await skiff(['push', '-a', repository]);
    expect(pushed.exitCode, String(pushed.stderr)).toBe(0);
    const lines = pushed.stdout.split('\n');
    expect(lines[0]).toBe(`The push refers to repository [${repository}]`);
    expect(lines.filter((line) => /: digest: sha256:[0-9a-f]{64} size: \d+$/.test(line)).map((line) => line.split(':')[0])).toEqual(['latest', 'a', 'b', 'made']);
    expect((await skiff(['push', '-q', '--all-tags', repository])).stdout).toBe(repository);

    const other = sandbox();
    for (const tag of ['a', 'b', 'latest']) expect((await other.skiff(['run', '--rm', `${repository}:${tag}`, 'echo', tag])).stdout).toBe(tag);
    expect((await other.skiff(['run', '--rm', `${repository}:made`, 'cat', '/made'])).stdout).toBe('made');
    expect((await other.skiff(['pull', '-q', `${registry.host}/team/other:x`])).exitCode).not.toBe(0);

    for (const [args, message] of [
      [['-a', `${repository}:a`], /tag can't be used with --all-tags\/-a/],
      [['-a', `${registry.host}/team/none`], /An image does not exist locally with the tag: /],
    ] as const) {
      const refused = await skiff(['push', ...args]);
      expect(refused.exitCode).toBe(1);
      expect(String(refused.stderr).trim().split('\n')).toHaveLength(1);
      expect(refused.stderr).toMatch(message);
    }
  });

  it('uses the login for a registry with Basic auth; without it the push fails in one line with exit 1', async () => {
    const registry = await startRegistry({ users: { alice: 'secret' } });
    const { skiff } = sandbox();
    expect((await skiff(['run', '--rm', 'busybox', 'true'])).exitCode).toBe(0);
    const name = `${registry.host}/alice/busybox:v1`;
    expect((await skiff(['tag', 'busybox', name])).exitCode).toBe(0);
    const refused = await skiff(['push', name], { env: { HOME: tempDir('home-') } });
    expect(refused.exitCode).toBe(1);
    expect(String(refused.stderr).trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/needs a user name and password/);
    expect((await skiff(['login', '-u', 'alice', '--password-stdin', registry.host], { input: 'secret\n' })).exitCode).toBe(0);
    const pushed = await skiff(['push', name]);
    expect(pushed.exitCode, String(pushed.stderr)).toBe(0);
    expect((await skiff(['push', `${registry.host}/alice/busybox@sha256:${'0'.repeat(64)}`])).stderr).toMatch(/push a tag, not a digest/);
  });
});
