import { describe, expect, it } from 'vitest';
import { dropTableScript, forwardBlocked, renderRuleset } from './firewall.js';

describe('renderRuleset', () => {
  const networks = [
    { bridge: 'skiff0', subnet: '10.77.0.0/16', internal: false },
    { bridge: 'skn1', subnet: '10.78.0.0/24', internal: true },
  ];
  const script = renderRuleset('skiff', networks, [
    { bridge: 'skiff0', ip: '10.77.0.2', ports: [{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'tcp' }, { hostIp: '', hostPort: 5353, containerPort: 53, protocol: 'udp' }] },
  ]);

  it('replaces its own table in one transaction and touches no other', () => {
    expect(script.split('\n').slice(0, 3)).toEqual(['add table ip skiff', 'delete table ip skiff', 'table ip skiff {']);
    expect(script).not.toMatch(/flush ruleset|table (inet|ip6?) (?!skiff)/);
    expect(dropTableScript('t')).toBe('add table ip t\ndelete table ip t\n');
  });

  it('DNATs published ports for outside and local traffic to the host\'s addresses', () => {
    expect(script).toContain('ip daddr 127.0.0.1 tcp dport 8080 dnat to 10.77.0.2:80');
    expect(script).toContain('    udp dport 5353 dnat to 10.77.0.2:53');
    expect(script).toContain('type nat hook prerouting priority dstnat; policy accept;\n    fib daddr type local jump ports');
    expect(script).toContain('type nat hook output priority -100; policy accept;\n    fib daddr type local jump ports');
  });

  it('masquerades outbound, localhost and hairpin traffic; an internal network gets no way out', () => {
    expect(script).toContain('ip saddr 10.77.0.0/16 oifname != { "skiff0", "lo" } masquerade');
    expect(script).not.toContain('ip saddr 10.78.0.0/24');
    expect(script).toContain('oifname "skiff0" ip saddr 127.0.0.0/8 masquerade');
    expect(script).toContain('oifname "skiff0" iifname "skiff0" ct status dnat masquerade');
    expect(script).toContain('iifname "skn1" oifname != "skn1" drop');
    expect(script).toContain('oifname "skn1" iifname != "skn1" drop');
  });

  it('isolates networks from each other and never drops by policy', () => {
    expect(script).toContain('iifname "skiff0" oifname != "skiff0" oifname { "skiff0", "skn1" } drop');
    expect(script).not.toContain('policy drop');
  });

  it('notices docker\'s FORWARD drop policy', () => {
    expect(forwardBlocked('table ip filter {\n\tchain FORWARD {\n\t\ttype filter hook forward priority filter; policy drop;\n\t}\n}')).toBe(true);
    expect(forwardBlocked('table ip filter {\n\tchain FORWARD {\n\t\ttype filter hook forward priority filter; policy accept;\n\t}\n}')).toBe(false);
  });
});
