import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { formatIp, macFor, overlaps, parseCidr, parseIp } from './addresses.js';
import { allocate, allocations, release } from './ipam.js';

describe('addresses', () => {
  it('parses and checks subnets', () => {
    expect(parseCidr('10.77.0.0/16')).toEqual({ network: parseIp('10.77.0.0'), prefix: 16 });
    expect(() => parseCidr('10.77.0.1/16')).toThrow(/host bits are set \(did you mean 10\.77\.0\.0\/16\?\)/);
    expect(() => parseCidr('10.77.0.0/31')).toThrow(/prefix/);
    expect(() => parseCidr('10.777.0.0/16')).toThrow(/invalid IPv4/);
    expect(overlaps(parseCidr('10.0.0.0/8'), parseCidr('10.1.0.0/16'))).toBe(true);
    expect(overlaps(parseCidr('10.0.0.0/24'), parseCidr('10.0.1.0/24'))).toBe(false);
    expect(macFor(parseIp('10.77.0.2'))).toBe('02:42:0a:4d:00:02');
    expect(formatIp(parseIp('255.0.1.2'))).toBe('255.0.1.2');
  });
});

describe('ipam', () => {
  const dir = () => {
    const made = mkdtempSync(join(tmpdir(), 'skiff-ipam-'));
    onTestFinished(() => rmSync(made, { recursive: true, force: true }));
    return made;
  };

  it('never hands out an address twice, skips the gateway, and takes one back from its owner only', () => {
    const d = dir();
    const cidr = parseCidr('10.9.9.0/29'); // .1 gateway, .2-.6 hosts, .7 broadcast
    const gateway = parseIp('10.9.9.1');
    const got = ['a', 'b', 'c', 'd', 'e'].map((owner) => allocate(d, cidr, gateway, owner, 'n'));
    expect(got).toEqual(['10.9.9.2', '10.9.9.3', '10.9.9.4', '10.9.9.5', '10.9.9.6']);
    expect(() => allocate(d, cidr, gateway, 'f', 'n')).toThrow(/no free address left in network n/);
    release(d, '10.9.9.3', 'not-b');
    expect(allocations(d).get('10.9.9.3')).toBe('b');
    release(d, '10.9.9.3', 'b');
    expect(allocate(d, cidr, gateway, 'f', 'n')).toBe('10.9.9.3');
    expect(() => release(d, '../x', 'b')).toThrow(/invalid IPv4/);
  });
});
