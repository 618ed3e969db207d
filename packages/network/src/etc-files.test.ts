import { describe, expect, it } from 'vitest';
import { hostsFile, parseResolvConf, resolvConfFile } from './etc-files.js';
import { checkDnsName, parseAddHost } from './names.js';
import { tableLines } from './dns.js';

describe('/etc files', () => {
  it('writes docker\'s /etc/hosts', () => {
    const text = hostsFile({ ip: '10.77.0.2', hostname: 'boat', extraHosts: [{ name: 'db', ip: '10.1.1.1' }] });
    expect(text.split('\n')).toEqual(expect.arrayContaining(['127.0.0.1\tlocalhost', '10.1.1.1\tdb', '10.77.0.2\tboat']));
    expect(hostsFile({ hostname: 'boat', extraHosts: [] })).not.toContain('boat');
  });

  it('copies the host\'s resolv.conf without loopback resolvers; --dns* replace their part; user networks use their responder', () => {
    const host = parseResolvConf('# comment\nnameserver 127.0.0.53\nnameserver 10.0.0.2\nnameserver ::1\nsearch a.test b.test\noptions ndots:2 edns0\n');
    expect(resolvConfFile(host, {})).toBe('nameserver 10.0.0.2\nsearch a.test b.test\noptions ndots:2 edns0\n');
    expect(resolvConfFile(host, { servers: ['1.1.1.1'], search: ['c.test'], options: ['ndots:1'] })).toBe('nameserver 1.1.1.1\nsearch c.test\noptions ndots:1\n');
    expect(resolvConfFile(host, {}, '10.78.0.1')).toMatch(/^nameserver 10\.78\.0\.1\n/);
    expect(resolvConfFile(parseResolvConf('nameserver 127.0.0.1\n'), {})).toBe('nameserver 8.8.8.8\nnameserver 8.8.4.4\n');
  });

  it('admits only DNS names into /etc/hosts and the responder\'s table (one line each)', () => {
    for (const bad of ['a b', 'a\nb', '#x', 'a/b', '', '-x', 'a..b', 'x'.repeat(254), 'a\t1.2.3.4']) expect(() => checkDnsName(bad, 'alias'), JSON.stringify(bad)).toThrow(/invalid alias/);
    for (const good of ['db', 'db.internal', 'my_svc-1', 'A.b.C']) expect(checkDnsName(good, 'alias')).toBe(good);
    expect(parseAddHost('gw:host-gateway')).toEqual({ name: 'gw', ip: 'host-gateway' });
    expect(parseAddHost('v6=[::1]')).toEqual({ name: 'v6', ip: '::1' });
    expect(() => parseAddHost('x:1.2.3.4\n5.6.7.8 bank')).toThrow(/invalid --add-host/);
    const endpoints = [
      { ip: '10.0.0.2', name: 'Web', aliases: ['DB'], container: 'abcdef0123456789', network: 'a', veth: 'skv1' },
      { ip: '10.0.1.2', name: 'web', aliases: [], container: 'abcdef0123456789', network: 'b', veth: 'skv2' },
      { ip: '10.0.1.3', name: 'other', aliases: [], container: '0123456789abcdef', network: 'b', veth: 'skv3' },
      { ip: '10.0.2.3', name: 'far', aliases: [], container: '1111111111111111', network: 'c', veth: 'skv4' },
    ];
    // Network a's own container for everyone; for that container, also the containers of network b it is on.
    expect(tableLines('a', endpoints)).toBe('#links skv1\n10.0.0.2 web db abcdef012345\n@10.0.0.2 10.0.1.3 other 0123456789ab\n');
  });
});
