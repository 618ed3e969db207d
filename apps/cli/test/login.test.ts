// skiff login/logout against docker-registry with htpasswd (Basic) auth, docker's ~/.docker/config.json, and
// hostile token services (a bearer challenge whose token answer is oversized or malformed).
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { ociLayout, push, registryUnavailable, startRegistry } from '../../../packages/image/test/registry-fixture.js';
import { sandbox } from './cli.js';

const unavailable = registryUnavailable();
if (unavailable) console.warn(`skipped: the login tests ${unavailable}`);

function expectFails(result: { exitCode?: number; stderr: unknown }, message: RegExp): void {
  expect(result.exitCode).not.toBe(0);
  expect(String(result.stderr).trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toMatch(message);
}

/** A registry needing alice's password, holding team/app:v1. */
async function privateRegistry() {
  const registry = await startRegistry({ users: { alice: 'correct horse' } });
  const layout = ociLayout(join(tempDir('layout-'), 'oci'));
  layout.tag('v1', layout.image({ layers: [{ entries: [{ path: 'hello', content: 'hi' }] }] }));
  push(layout.dir, 'v1', `${registry.host}/team/app:v1`, { creds: 'alice:correct horse' });
  return registry;
}

/** A loopback server answering /v2/ with a bearer challenge and /token with `token`. */
async function tokenServer(token: (response: import('node:http').ServerResponse, request: import('node:http').IncomingMessage) => void): Promise<string> {
  const server: Server = createServer((request, response) => {
    const host = request.headers.host!;
    if (request.url!.startsWith('/token')) return token(response, request);
    if (request.headers.authorization === 'Bearer good-token') return void response.writeHead(200).end('{}');
    response.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="test"` }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `127.0.0.1:${(server.address() as { port: number }).port}`;
}

describe.runIf(!unavailable && requiresRoot('pulled images are unpacked with their owners'))('skiff login and logout', () => {
  it('checks the password against the registry, stores it 0600, pulls with it, and logout forgets it', async () => {
    const { skiff, root } = sandbox();
    const registry = await privateRegistry();
    const name = `${registry.host}/team/app:v1`;
    expectFails(await skiff(['pull', '-q', name]), /needs a user name and password/);

    const wrong = await skiff(['login', '-u', 'alice', '--password-stdin', registry.host], { input: 'wrong\n' });
    expectFails(wrong, new RegExp(`login to ${registry.host} failed: unauthorized: incorrect username or password`));
    expect(existsSync(join(root, 'auth.json'))).toBe(false);

    const login = await skiff(['login', '-u', 'alice', '--password-stdin', `https://${registry.host}/v1/`], { input: 'correct horse\n' });
    expect(login.stdout).toBe('Login Succeeded');
    expect(login.exitCode).toBe(0);
    expect(statSync(join(root, 'auth.json')).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(join(root, 'auth.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    expect(Buffer.from(stored.auths[registry.host]!.auth, 'base64').toString()).toBe('alice:correct horse');

    expect((await skiff(['pull', '-q', name])).stdout).toBe(name);
    expect((await skiff(['logout', registry.host])).stdout).toBe(`Removing login credentials for ${registry.host}`);
    expect((await skiff(['logout', registry.host])).stdout).toBe(`Not logged in to ${registry.host}`);
    expectFails(await skiff(['pull', '-q', '--platform', 'linux/amd64', name]), /needs a user name and password/);
  });

  it("uses docker's ~/.docker/config.json auths when skiff has none", async () => {
    const { skiff } = sandbox();
    const registry = await privateRegistry();
    const home = tempDir('home-');
    mkdirSync(join(home, '.docker'));
    writeFileSync(join(home, '.docker', 'config.json'), JSON.stringify({ auths: { [`https://${registry.host}`]: { auth: Buffer.from('alice:correct horse').toString('base64') } } }));
    const name = `${registry.host}/team/app:v1`;
    expect((await skiff(['pull', '-q', name], { env: { HOME: home } })).stdout).toBe(name);
    writeFileSync(join(home, '.docker', 'config.json'), '{"auths": ');
    expectFails(await skiff(['pull', '-q', name], { env: { HOME: home } }), /\.docker\/config\.json is not valid JSON/);
  });

  it('refuses bad input before any network use: no password, both password flags, a registry with path characters', async () => {
    const { skiff, root } = sandbox();
    expectFails(await skiff(['login', '127.0.0.1:1']), /Cannot perform an interactive login from a non TTY device/);
    expectFails(await skiff(['login', '-u', 'a', '-p', 'x', '--password-stdin', '127.0.0.1:1'], { input: 'x' }), /mutually exclusive/);
    for (const server of ['../../etc', 'a/../../b', 'host:port:x', '']) {
      expectFails(await skiff(['login', '-u', 'a', '--password-stdin', server], { input: 'x' }), /invalid registry/);
    }
    expectFails(await skiff(['login', '-u', 'a', '--password-stdin', '127.0.0.1:1'], { input: 'x'.repeat(70_000) }), /longer than 65536 bytes/);
    expect(existsSync(join(root, 'auth.json'))).toBe(false);
  });

  it('bearer: the token service is asked with the credentials and the token opens /v2/', async () => {
    const { skiff, root } = sandbox();
    const basic = `Basic ${Buffer.from('bob:pw').toString('base64')}`;
    const host = await tokenServer((response, request) =>
      request.headers.authorization === basic ? response.writeHead(200).end('{"token":"good-token","expires_in":300}') : response.writeHead(401).end(),
    );
    expectFails(await skiff(['login', '-u', 'bob', '--password-stdin', host], { input: 'nope' }), /incorrect username or password/);
    expect((await skiff(['login', '-u', 'bob', '--password-stdin', host], { input: 'pw' })).stdout).toBe('Login Succeeded');
    expect(existsSync(join(root, 'auth.json'))).toBe(true);
  });

  // Attack: the token service is the registry's to choose; its answer must be bounded and parsed defensively.
  it('a token service answering 10 MB or malformed JSON is one line, and nothing is stored', async () => {
    const { skiff, root } = sandbox();
    const huge = await tokenServer((response) => {
      const body = `{"token":"${'a'.repeat(10 * 1024 * 1024)}"}`;
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      response.end(body);
    });
    expectFails(await skiff(['login', '-u', 'a', '--password-stdin', huge], { input: 'pw' }), /the token from http:\/\/127\.0\.0\.1:\d+ is \d+ bytes, more than the 1048576 skiff accepts/);
    const chunked = await tokenServer((response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 2048; i++) response.write('x'.repeat(8192));
      response.end();
    });
    expectFails(await skiff(['login', '-u', 'a', '--password-stdin', chunked], { input: 'pw' }), /the token from .* is more than the 1048576 bytes skiff accepts/);
    const malformed = await tokenServer((response) => response.writeHead(200).end('<html>not json'));
    expectFails(await skiff(['login', '-u', 'a', '--password-stdin', malformed], { input: 'pw' }), /answered with something that is not JSON/);
    const tokenless = await tokenServer((response) => response.writeHead(200).end('{"token": 7}'));
    expectFails(await skiff(['login', '-u', 'a', '--password-stdin', tokenless], { input: 'pw' }), /answered without a token/);
    expect(existsSync(join(root, 'auth.json'))).toBe(false);
  });
});
