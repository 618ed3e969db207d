import { describe, expect, it } from 'vitest';
import { parseExposed, parsePublish } from './ports.js';

describe('parsePublish (docker -p)', () => {
  it('takes every form docker takes', () => {
    expect(parsePublish('80')).toEqual([{ hostIp: '', hostPort: 0, containerPort: 80, protocol: 'tcp' }]);
    expect(parsePublish('8080:80')).toEqual([{ hostIp: '', hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
    expect(parsePublish('127.0.0.1:8080:80/udp')).toEqual([{ hostIp: '127.0.0.1', hostPort: 8080, containerPort: 80, protocol: 'udp' }]);
    expect(parsePublish('127.0.0.1::80')).toEqual([{ hostIp: '127.0.0.1', hostPort: 0, containerPort: 80, protocol: 'tcp' }]);
    expect(parsePublish('8000-8001:80-81')).toEqual([
      { hostIp: '', hostPort: 8000, containerPort: 80, protocol: 'tcp' },
      { hostIp: '', hostPort: 8001, containerPort: 81, protocol: 'tcp' },
    ]);
    expect(parsePublish('8000-8010:80')).toEqual([{ hostIp: '', hostPort: 8000, hostPortEnd: 8010, containerPort: 80, protocol: 'tcp' }]);
    expect(parsePublish('80-81')).toHaveLength(2);
  });

  it('refuses, with the spec quoted on one line, what it cannot take', () => {
    for (const spec of ['0', '65536', '8000-8001:80-82', 'x:80', '1.2.3:80:80', '80/sctp', '1:2:3:4', '90-80:90-80', '80\n1.2.3.4']) {
      expect(() => parsePublish(spec), spec).toThrow(/invalid -p/);
      try {
        parsePublish(spec);
      } catch (error) {
        expect((error as Error).message).not.toContain('\n');
      }
    }
  });

  it('reads an image\'s ExposedPorts keys', () => {
    expect(parseExposed('80/tcp')).toEqual({ containerPort: 80, protocol: 'tcp' });
    expect(parseExposed('53/udp')).toEqual({ containerPort: 53, protocol: 'udp' });
    expect(parseExposed('8080')).toEqual({ containerPort: 8080, protocol: 'tcp' });
    expect(parseExposed('x/tcp')).toBeUndefined();
  });
});
