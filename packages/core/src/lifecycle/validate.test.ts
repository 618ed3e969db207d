import { describe, expect, it } from 'vitest';
import { mergeEnv, validateContainerPath, validateEnv, validateHostname, validateLogRotation, validateWorkdir } from './validate.js';

describe('run input validation', () => {
  it('merges env: user entries override the image in place and keep exact values', () => {
    expect(mergeEnv(['PATH=/bin', 'A=1'], { A: 'x y', B: 'a=b' })).toEqual(['PATH=/bin', 'A=x y', 'B=a=b']);
  });

  it('refuses variable names a process environment cannot hold', () => {
    expect(() => validateEnv({ '': 'x' })).toThrow('invalid environment variable "":');
    expect(() => validateEnv({ 'A=B': 'x' })).toThrow(/invalid environment variable "A=B"/);
    expect(() => validateEnv({ A: 'x\0y' })).toThrow(/invalid environment variable "A"/);
    expect(validateEnv({ K: '', K2: 'multi\nline' })).toEqual({ K: '', K2: 'multi\nline' });
    expect(() => validateEnv(['A=1'] as never)).toThrow(/env is a record/);
  });

  it('checks container paths: absolute, no "..", normalised', () => {
    expect(validateContainerPath('/a//b/', 'volume target')).toBe('/a/b');
    expect(() => validateContainerPath('a', 'volume target')).toThrow(`invalid volume target "a": it must be an absolute path without '..'`);
    expect(() => validateContainerPath('/a/../b', 'volume target')).toThrow(/without '\.\.'/);
  });

  it('checks hostnames and working directories', () => {
    expect(validateHostname('web-1.local')).toBe('web-1.local');
    expect(() => validateHostname('bad host')).toThrow(/invalid hostname/);
    expect(() => validateHostname('x'.repeat(65))).toThrow(/invalid hostname/);
    expect(() => validateWorkdir('relative')).toThrow(/absolute path/);
  });

  it('checks log rotation numbers', () => {
    expect(validateLogRotation(1024, 0)).toEqual({ logMaxBytes: 1024, logKeep: 0 });
    expect(() => validateLogRotation(0, 2)).toThrow('invalid logMaxBytes 0: a whole number of bytes above 0');
    expect(() => validateLogRotation(1.5, 2)).toThrow(/invalid logMaxBytes/);
    expect(() => validateLogRotation(1024, 100)).toThrow('invalid logKeep 100: a whole number from 0 to 99');
  });
});
