import { describe, expect, it } from 'vitest';
import { SkiffError } from '@skiff/plugin';
import { kernelOptions } from './kernel-options.js';
import { exposeKeys, exposedKeys } from './exposed.js';

const message = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(SkiffError.is(error, 'INVALID_ARGUMENT')).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected INVALID_ARGUMENT');
};

describe('kernelOptions', () => {
  it('keeps what was given, in the config\'s names', () => {
    expect(kernelOptions({ uts: 'host', cgroupns: 'private', oomScoreAdj: 0, annotations: { a: 'b' }, deviceCgroupRules: ['c 10:229 rw', 'a *:* rwm'], cfsGiven: true }, false)).toEqual({
      utsMode: 'host', cgroupnsMode: 'private', oomScoreAdj: 0, annotations: { a: 'b' }, deviceCgroupRules: ['c 10:229 rw', 'a'], cfsGiven: true,
    });
    expect(kernelOptions({ uts: '', cgroupns: '' }, true)).toEqual({});
  });

  it('refuses docker\'s conflicts and anything that is not a devices.allow line', () => {
    expect(message(() => kernelOptions({ uts: 'host' }, true))).toBe('conflicting options: hostname and the UTS mode');
    expect(message(() => kernelOptions({ uts: 'host', domainname: 'x' }, false))).toBe('conflicting options: domainname and the UTS mode');
    expect(message(() => kernelOptions({ uts: 'private' }, false))).toMatch(/invalid --uts/);
    expect(message(() => kernelOptions({ cgroupns: 'shared' }, false))).toMatch(/invalid --cgroupns/);
    expect(message(() => kernelOptions({ oomScoreAdj: 1001 }, false))).toMatch(/\[-1000, 1000\]/);
    expect(message(() => kernelOptions({ domainname: 'bad name' }, false))).toMatch(/invalid --domainname/);
    for (const rule of ['c 1:3 rwm\nc 1:1 rwm', 'c 1:3', 'c 1:3 rwx', 'c -1:3 r', '', 'a 1:3 r m']) {
      expect(message(() => kernelOptions({ deviceCgroupRules: [rule] }, false))).toMatch(/invalid --device-cgroup-rule/);
    }
  });
});

describe('--expose', () => {
  it('expands ranges and adds the protocol; the image\'s keys come first, each once', () => {
    expect(exposeKeys('80')).toEqual(['80/tcp']);
    expect(exposeKeys('8000-8002/udp')).toEqual(['8000/udp', '8001/udp', '8002/udp']);
    expect(exposedKeys(['80/tcp', '443'], ['80/tcp', '53/udp'])).toEqual(['80/tcp', '443/tcp', '53/udp']);
  });

  it.each(['0', '70000', '90-80', 'http', '80/icmp', '-1'])('refuses %j in one line', (spec) => {
    expect(message(() => exposeKeys(spec))).toMatch(/invalid range format for --expose/);
  });
});
