import { describe, expect, it } from 'vitest';
import { createXattrScanner } from './pax-xattrs.js';
import { buildTar } from './test-tarball.js';

describe('PAX xattr scanner', () => {
  const tar = buildTar([
    { path: './usr/', type: 'dir' },
    { path: './usr/bin/ping', content: 'x'.repeat(1500), xattrs: { 'security.capability': Buffer.from([1, 0, 0, 2, 0, 0x20, 0, 0]), 'trusted.x': Buffer.from('no') } },
    { path: 'usr/bin/other', content: 'plain' },
    { path: 'usr/lib/', type: 'dir', xattrs: { 'user.a b': Buffer.from('bad name'), 'user.ok': Buffer.from('=\n\0') } },
  ]);

  it.each([1, 7, 512, 100_000])('finds allowed xattrs per entry path, whatever the chunking (%i bytes)', (size) => {
    const scanner = createXattrScanner();
    for (let offset = 0; offset < tar.length; offset += size) scanner.push(tar.subarray(offset, offset + size));
    const found = scanner.result();
    expect([...found.keys()]).toEqual(['usr/bin/ping', 'usr/lib']);
    expect(found.get('usr/bin/ping')).toEqual(new Map([['security.capability', Buffer.from([1, 0, 0, 2, 0, 0x20, 0, 0])]]));
    expect(found.get('usr/lib')).toEqual(new Map([['user.ok', Buffer.from('=\n\0')]]));
  });

  it('survives garbage without throwing', () => {
    const scanner = createXattrScanner();
    scanner.push(Buffer.alloc(4096, 0x78));
    expect(scanner.result().size).toBe(0);
  });
});
