import type { Stats } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { blkioFromFlags, deviceNumbers } from './blkio.js';
import { checkHostOnlyFlags } from './host-only.js';
import { parseAnnotations, parseOomScoreAdj } from './kernel.js';
import { parseCfs, resourcesFromFlags } from './resources.js';

/** A fake stat: /dev/sda is block 8:0, /dev/null char 1:3, everything else missing. */
const stat = (path: string) => {
  const nodes: Record<string, { block: boolean; rdev: number }> = { '/dev/sda': { block: true, rdev: 8 << 8 }, '/dev/null': { block: false, rdev: (1 << 8) | 3 } };
  const node = nodes[path];
  if (!node) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  return { isBlockDevice: () => node.block, rdev: node.rdev } as Stats;
};
const host = { cpuCount: 4, onlineCpus: '0-3', memoryNodes: '0' };

describe('blkioFromFlags', () => {
  it('reads each DEVICE:VALUE into the device numbers, rates with docker units', () => {
    expect(blkioFromFlags({ blkioWeight: '300', blkioWeightDevice: ['/dev/sda:200'], deviceReadBps: ['/dev/sda:1mb'], deviceWriteIops: ['/dev/sda:100'] }, stat)).toEqual({
      weight: 300,
      weightDevice: [{ path: '/dev/sda', major: 8, minor: 0, value: 200 }],
      readBps: [{ path: '/dev/sda', major: 8, minor: 0, value: 1048576 }],
      writeIops: [{ path: '/dev/sda', major: 8, minor: 0, value: 100 }],
    });
    expect(blkioFromFlags({}, stat)).toBeUndefined();
    expect(blkioFromFlags({ blkioWeight: '0' }, stat)).toBeUndefined();
  });

  it.each([
    [{ blkioWeight: '9' }, /range of blkio weight is from 10 to 1000/],
    [{ blkioWeight: '1001' }, /range of blkio weight/],
    [{ blkioWeightDevice: ['/dev/sda:0'] }, /range of blkio weight/],
    [{ deviceReadBps: ['/etc/passwd:1mb'] }, /must be a path under \/dev\//],
    [{ deviceReadBps: ['/dev/../etc/passwd:1mb'] }, /must be a path under \/dev\//],
    [{ deviceReadBps: ['sda:1mb'] }, /must be a path under \/dev\//],
    [{ deviceReadBps: ['/dev/sda'] }, /expected DEVICE:VALUE/],
    [{ deviceReadBps: ['/dev/null:1mb'] }, /\/dev\/null is not a block device/],
    [{ deviceWriteBps: ['/dev/sdz:1mb'] }, /does not exist on this host/],
    [{ deviceWriteBps: ['/dev/sda:0'] }, /expected a positive size/],
    [{ deviceReadIops: ['/dev/sda:1.5'] }, /positive whole number/],
  ])('refuses %j', (flags, message) => {
    expect(() => blkioFromFlags(flags, stat)).toThrowError(message);
  });

  it('decodes dev_t as glibc major()/minor() do, large numbers included', () => {
    expect(deviceNumbers((254 << 8) | 1)).toEqual({ major: 254, minor: 1 });
    expect(deviceNumbers((259 << 8) | (0x1200 << 12))).toEqual({ major: 259, minor: 0x1200 });
  });
});

describe('--cpu-period/--cpu-quota, --memory-reservation/--memory-swappiness', () => {
  it('parses as docker checks them', () => {
    expect(parseCfs({ cpuPeriod: '50000', cpuQuota: '25000' })).toEqual({ cpuPeriod: 50000, cpuQuota: 25000 });
    expect(parseCfs({ cpuQuota: '-1' })).toEqual({ cpuQuota: -1 });
    expect(parseCfs({ cpuPeriod: '0', cpuQuota: '0' })).toEqual({});
    expect(resourcesFromFlags({ memory: '64m', memoryReservation: '32m', memorySwappiness: '10' }, host)).toMatchObject({ memoryReservation: 32 << 20, memorySwappiness: 10 });
    expect(resourcesFromFlags({ memorySwappiness: '-1' }, host)).toEqual({});
  });

  it.each([
    [{ cpuPeriod: '999' }, /less than 1ms/],
    [{ cpuPeriod: '1000001' }, /larger than 1s/],
    [{ cpuQuota: '999' }, /CPU cfs quota can not be less than 1ms/],
    [{ cpuQuota: '-2' }, /at least 1000, or -1/],
    [{ cpus: '1', cpuPeriod: '10000' }, /Conflicting options: Nano CPUs and CPU Period cannot both be set/],
    [{ cpus: '1', cpuQuota: '10000' }, /Conflicting options: Nano CPUs and CPU Quota cannot both be set/],
    [{ memoryReservation: '1m' }, /Minimum memory reservation allowed is 6MB/],
    [{ memory: '10m', memoryReservation: '20m' }, /can not be less than memory reservation/],
    [{ memorySwappiness: '101' }, /valid memory swappiness range is 0-100/],
    [{ memorySwappiness: 'x' }, /valid memory swappiness range/],
    [{ cpuRtRuntime: '2000000' }, /cannot be higher than the real-time period \(1000000/],
    [{ cpuRtPeriod: '10000', cpuRtRuntime: '20000' }, /cannot be higher than the real-time period \(10000/],
    [{ cpuRtPeriod: '2000000' }, /at most 1000000/],
    [{ cpuRtRuntime: '-5' }, /whole number of microseconds/],
  ])('refuses %j', (flags, message) => {
    expect(() => resourcesFromFlags(flags, host)).toThrowError(message);
  });
});

describe('flags that cannot apply on Linux', () => {
  it('accepts the default forms and warns for what it discards', () => {
    expect(checkHostOnlyFlags({ isolation: 'default', userns: 'host', runtime: 'runc', logDriver: 'json-file', ioMaxiops: '0' })).toEqual([]);
    expect(checkHostOnlyFlags({ kernelMemory: '10m', cpuCount: '2', cpuPercent: '50' })).toHaveLength(3);
  });

  it.each([
    [{ isolation: 'hyperv' }, /Linux only supports 'default'/],
    [{ userns: 'remap' }, /--userns=host/],
    [{ gpus: 'all' }, /--gpus/],
    [{ useApiSocket: true }, /--use-api-socket/],
    [{ runtime: 'kata' }, /unknown or invalid runtime name: kata/],
    [{ storageOpt: ['size=1G'] }, /--storage-opt is not supported/],
    [{ ioMaxbandwidth: '1m' }, /Maximum IO Bandwidth/],
    [{ logDriver: 'syslog' }, /invalid --log-driver "syslog"/],
  ])('refuses %j', (flags, message) => {
    expect(() => checkHostOnlyFlags(flags)).toThrowError(message);
  });

  it('--oom-score-adj and --annotation', () => {
    expect(parseOomScoreAdj('-1000')).toBe(-1000);
    expect(() => parseOomScoreAdj('1001')).toThrowError(/\[-1000, 1000\]/);
    expect(() => parseOomScoreAdj('1e3')).toThrowError(/\[-1000, 1000\]/);
    expect(parseAnnotations(['a=b', 'c=', 'a=d=e'])).toEqual({ a: 'd=e', c: '' });
    expect(() => parseAnnotations(['=x'])).toThrowError(/expected KEY=VALUE/);
  });
});
