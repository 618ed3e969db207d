import { describe, expect, it } from 'vitest';
import { parsePlatform } from './platform.js';

describe('--platform', () => {
  it('takes OS/ARCH[/VARIANT] and refuses anything else with one line', () => {
    expect(parsePlatform('linux/amd64')).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parsePlatform('linux/arm/v7')).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' });
    for (const bad of ['linux', 'linux/amd64/v1/x', 'Linux/AMD64', 'linux//amd64'])
      expect(() => parsePlatform(bad)).toThrow(/^invalid platform .*; use OS\/ARCH\[\/VARIANT\]/);
  });
});
