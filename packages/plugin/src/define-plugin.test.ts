import { describe, expect, it } from 'vitest';
import { assertPlugin, definePlugin } from './define-plugin.js';

describe('definePlugin / assertPlugin', () => {
  it('stamps the contract version and accepts a well-formed plugin', () => {
    const plugin = definePlugin({ name: 'p', drivers: [] });
    expect(plugin.specificationVersion).toBe('v1');
    expect(() => assertPlugin(plugin)).not.toThrow();
  });

  it('says what is wrong with a malformed plugin', () => {
    expect(() => assertPlugin(null)).toThrow('not a plugin object');
    expect(() => assertPlugin({ name: 'p', drivers: [] })).toThrow(/specificationVersion is undefined/);
    expect(() => assertPlugin({ specificationVersion: 'v1', name: 'p' })).toThrow(/no "drivers" array/);
    expect(() => assertPlugin({ specificationVersion: 'v1', drivers: [{ name: 'd' }] })).toThrow(/"d" lacks probe\(\) or create\(\)/);
  });
});
