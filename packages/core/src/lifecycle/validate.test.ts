import { describe, expect, it } from 'vitest';
import { mergeEnv, validateEnv, validateHostname, validateWorkdir } from './validate.js';

describe('run input validation', () => {
  it('merges env: user entries override the image in place and keep exact values', () => {
    expect(mergeEnv(['PATH=/bin', 'A=1'], ['A=x y', 'B=a=b'])).toEqual(['PATH=/bin', 'A=x y', 'B=a=b']);
  });

  it('rejects malformed env entries', () => {
    expect(() => validateEnv(['=x'])).toThrow('invalid environment entry "=x": expected KEY=VALUE');
    expect(() => validateEnv(['NOVALUE'])).toThrow(/expected KEY=VALUE/);
    expect(validateEnv(['K=', 'K2=multi\nline'])).toEqual(['K=', 'K2=multi\nline']);
  });

  it('checks hostnames and working directories', () => {
    expect(validateHostname('web-1.local')).toBe('web-1.local');
    expect(() => validateHostname('bad host')).toThrow(/invalid hostname/);
    expect(() => validateHostname('x'.repeat(65))).toThrow(/invalid hostname/);
    expect(() => validateWorkdir('relative')).toThrow(/absolute path/);
  });
});
