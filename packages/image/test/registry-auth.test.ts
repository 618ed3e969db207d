// Registry auth over real HTTP on loopback: a small server speaks the distribution token protocol (401 with a
// Bearer challenge, a token service checking service and scope, tokens that expire) and Basic.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { createRegistryClient } from '../src/registry/client.js';
import { parseChallenge } from '../src/registry/auth.js';

const MANIFEST = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: {}, layers: [] });

async function serve(handler: (request: IncomingMessage, response: ServerResponse, base: string) => void): Promise<string> {
  const server = createServer((request, response) => handler(request, response, base));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return base;
}

describe('registry auth', () => {
  it('parses challenges with quoted and bare values', () => {
    expect(parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' },
    });
    expect(parseChallenge('Basic realm=x')).toEqual({ scheme: 'basic', params: { realm: 'x' } });
    expect(parseChallenge('Negotiate abc')).toBeUndefined();
  });

  it('bearer: challenge, token for the scope (cached), retry; a rejected token is replaced once', async () => {
    const tokenRequests: string[] = [];
    let valid = new Set<string>();
    let issued = 0;
    const host = await serve((request, response, base) => {
      const url = new URL(request.url!, `http://${base}`);
      if (url.pathname === '/token') {
        tokenRequests.push(`${url.searchParams.get('service')} ${url.searchParams.get('scope')} ${request.headers.authorization ?? 'anonymous'}`);
        const token = `t${++issued}`;
        valid.add(token);
        return response.end(JSON.stringify({ token, expires_in: 300 }));
      }
      const bearer = request.headers.authorization?.replace(/^Bearer /, '');
      if (!bearer || !valid.has(bearer)) {
        response.writeHead(401, { 'www-authenticate': `Bearer realm="http://${base}/token",service="test-registry",scope="repository:team/app:pull"` });
        return response.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      }
      response.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      response.end(MANIFEST);
    });
    const client = createRegistryClient({ host, credentials: { username: 'u', password: 'p' } });
    await client.manifest('team/app', 'v1');
    await client.manifest('team/app', 'v2');
    expect(tokenRequests).toEqual([`test-registry repository:team/app:pull Basic ${Buffer.from('u:p').toString('base64')}`]);
    valid = new Set(); // the registry forgets the token (expired): the client asks again, once
    await client.manifest('team/app', 'v3');
    expect(tokenRequests).toHaveLength(2);
  });

  it('basic: credentials sent after the challenge; none stored is one clear line', async () => {
    const host = await serve((request, response) => {
      if (request.headers.authorization !== `Basic ${Buffer.from('u:p').toString('base64')}`) {
        response.writeHead(401, { 'www-authenticate': 'Basic realm="registry"' });
        return response.end();
      }
      response.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' });
      response.end(MANIFEST);
    });
    expect((await createRegistryClient({ host, credentials: { username: 'u', password: 'p' } }).manifest('a', 'v1')).body.toString()).toBe(MANIFEST);
    const error = await createRegistryClient({ host }).manifest('a', 'v1').catch((reason: unknown) => reason as SkiffError);
    expect(SkiffError.is(error, 'PERMISSION_DENIED')).toBe(true);
    expect((error as SkiffError).message).toBe(`the registry ${host} needs a user name and password`);
  });

  it('never sends credentials to a token realm over plain http off the loopback', async () => {
    const host = await serve((_request, response) => {
      response.writeHead(401, { 'www-authenticate': 'Bearer realm="http://auth.example.com/token",service="x"' });
      response.end();
    });
    const error = await createRegistryClient({ host, credentials: { username: 'u', password: 'p' } }).manifest('a', 'v1').catch((reason: unknown) => reason as SkiffError);
    expect((error as SkiffError).message).toBe("the registry sends skiff to the token service http://auth.example.com/token, which is not https; refusing to send credentials there");
  });
});
