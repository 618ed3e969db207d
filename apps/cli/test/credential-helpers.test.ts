// docker's credential helpers (issue 12): with `credsStore`/`credHelpers` in ~/.docker/config.json, skiff runs
// `docker-credential-NAME get` with the server on stdin, as docker does. The helpers here are real executables
// (shell scripts the test writes) speaking that protocol and logging what they were asked.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { ociLayout, push, registryUnavailable, startRegistry } from '../../../packages/image/test/registry-fixture.js';
import { sandbox } from './cli.js';

const unavailable = registryUnavailable();
if (unavailable) console.warn(`skipped: the credential helper tests ${unavailable}`);

/** A `docker-credential-NAME` in `bin` that knows `server` as alice (and nothing else), logging each request. */
function helper(bin: string, name: string, server: string, secret: string): string {
  const log = join(bin, `${name}.log`);
  const script = [
    '#!/bin/sh',
    `[ "$1" = get ] || { echo "unsupported: $1"; exit 1; }`,
    'read -r server',
    `echo "get $server" >> '${log}'`,
    `if [ "$server" = '${server}' ]; then printf '{"ServerURL":"%s","Username":"alice","Secret":"${secret}"}\\n' "$server"; exit 0; fi`,
    'echo "credentials not found in native keychain"',
    'exit 1',
    '',
  ].join('\n');
  writeFileSync(join(bin, `docker-credential-${name}`), script);
  chmodSync(join(bin, `docker-credential-${name}`), 0o755);
  return log;
}

describe.runIf(!unavailable && requiresRoot('pulled images are unpacked with their owners'))('credential helpers', () => {
  it('pulls with credentials from credsStore, and from a credHelpers entry before it; a broken helper is one line', async () => {
    const registry = await startRegistry({ users: { alice: 'from-helper' } });
    const layout = ociLayout(join(tempDir('layout-'), 'oci'));
    layout.tag('v1', layout.image({ layers: [{ entries: [{ path: 'file', content: 'x' }] }] }));
    push(layout.dir, 'v1', `${registry.host}/alice/app:v1`, { creds: 'alice:from-helper' });

    const home = tempDir('home-');
    const bin = tempDir('bin-');
    mkdirSync(join(home, '.docker'));
    const env = { HOME: home, PATH: `${bin}:${process.env.PATH}` };
    const config = (value: object) => writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify(value));
    const { skiff } = sandbox();

    const store = helper(bin, 'store', registry.host, 'from-helper');
    config({ auths: { [registry.host]: {} }, credsStore: 'store' });
    const pulled = await skiff(['pull', '-q', `${registry.host}/alice/app:v1`], { env });
    expect(pulled.exitCode, String(pulled.stderr)).toBe(0);
    expect(readFileSync(store, 'utf8')).toBe(`get ${registry.host}\n`);

    // credHelpers wins over credsStore for its registry; the store's wrong secret is never asked for.
    const wrong = helper(bin, 'wrong', registry.host, 'not-this');
    const per = helper(bin, 'per-registry', registry.host, 'from-helper');
    config({ credsStore: 'wrong', credHelpers: { [registry.host]: 'per-registry' } });
    expect((await skiff(['pull', '-q', '--platform', 'linux/amd64', `${registry.host}/alice/app:v1`], { env })).exitCode).toBe(0);
    expect(readFileSync(per, 'utf8')).toBe(`get ${registry.host}\n`);
    expect(() => readFileSync(wrong, 'utf8')).toThrow();

    // Not found in the helper: the registry asks for a password skiff does not have.
    const other = helper(bin, 'other', 'somewhere.else', 'x');
    config({ credsStore: 'other' });
    const refused = await skiff(['pull', '-q', `${registry.host}/alice/app:v1`], { env });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/needs a user name and password/);
    expect(readFileSync(other, 'utf8')).toBe(`get ${registry.host}\n`);

    for (const [value, message] of [
      [{ credsStore: 'missing' }, /cannot run the credential helper docker-credential-missing: not found on PATH/],
      [{ credsStore: '../../tmp/evil' }, /is not a plain name/],
    ] as const) {
      config(value);
      const failed = await skiff(['pull', '-q', `${registry.host}/alice/app:v1`], { env });
      expect(failed.exitCode).toBe(1);
      expect(String(failed.stderr).trim().split('\n')).toHaveLength(1);
      expect(failed.stderr).toMatch(message);
    }
  });
});
