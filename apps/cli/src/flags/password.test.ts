import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseServer, readLoginFlags } from './password.js';

const isDomain = (text: string) => /^[a-z0-9.-]+(:[0-9]+)?$/.test(text);

describe('login flags', () => {
  it('reads the password from stdin without its trailing newline', async () => {
    expect(await readLoginFlags({ username: 'a', passwordStdin: true }, Readable.from([Buffer.from('p w\n')]))).toEqual({ username: 'a', password: 'p w' });
    expect(await readLoginFlags({ username: 'a', password: 'x' })).toEqual({ username: 'a', password: 'x' });
  });

  it("refuses what docker refuses, in docker's words", async () => {
    await expect(readLoginFlags({})).rejects.toThrow(/Cannot perform an interactive login from a non TTY device/);
    await expect(readLoginFlags({ passwordStdin: true })).rejects.toThrow(/Must provide --username with --password-stdin/);
    await expect(readLoginFlags({ username: 'a', password: 'x', passwordStdin: true })).rejects.toThrow(/mutually exclusive/);
    await expect(readLoginFlags({ username: 'a', passwordStdin: true }, Readable.from([Buffer.from('\n')]))).rejects.toThrow(/Password Required/);
    await expect(readLoginFlags({ username: 'a:b', password: 'x' })).rejects.toThrow(/cannot contain ":"/);
  });

  it('takes a server as host, host:port or URL; none is Docker Hub', () => {
    expect(parseServer(undefined, isDomain)).toBe('docker.io');
    expect(parseServer('https://index.docker.io/v1/', isDomain)).toBe('docker.io');
    expect(parseServer('http://127.0.0.1:5000/v2/', isDomain)).toBe('127.0.0.1:5000');
    expect(parseServer('Registry.LAN', isDomain)).toBe('registry.lan');
    expect(() => parseServer('../x', isDomain)).toThrow(/invalid registry/);
    expect(() => parseServer('localhost/../../x', isDomain)).toThrow(/invalid registry/);
  });
});
