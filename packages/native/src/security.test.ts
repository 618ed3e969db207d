import { describe, expect, it } from 'vitest';
import { CAPABILITIES, capabilityName, capabilitySet, DEFAULT_CAPABILITIES } from './security.js';

describe('capabilityName', () => {
  it('accepts the names users write, with or without CAP_, in any case', () => {
    expect(capabilityName('net_admin')).toBe('CAP_NET_ADMIN');
    expect(capabilityName('SYS_ADMIN')).toBe('CAP_SYS_ADMIN');
    expect(capabilityName(' cap_chown ')).toBe('CAP_CHOWN');
    expect(capabilityName('NOPE')).toBeUndefined();
    expect(capabilityName('ALL')).toBeUndefined();
    expect(capabilityName('toString')).toBeUndefined(); // not a prototype property
  });
});

describe('capabilitySet (docker --cap-add / --cap-drop)', () => {
  it("is docker's 14 capabilities without flags", () => {
    expect(capabilitySet()).toEqual([...DEFAULT_CAPABILITIES]);
    expect(DEFAULT_CAPABILITIES).toHaveLength(14);
  });

  it('drops, then adds', () => {
    const set = capabilitySet({ add: ['net_admin'], drop: ['chown', 'NET_RAW'] });
    expect(set).toContain('CAP_NET_ADMIN');
    expect(set).not.toContain('CAP_CHOWN');
    expect(set).not.toContain('CAP_NET_RAW');
    expect(set).toHaveLength(13);
  });

  it('ALL: drop ALL starts from nothing, add ALL keeps everything but what is dropped', () => {
    expect(capabilitySet({ drop: ['ALL'], add: ['KILL'] })).toEqual(['CAP_KILL']);
    expect(capabilitySet({ drop: ['all'] })).toEqual([]);
    expect(capabilitySet({ add: ['ALL'] })).toBe('all');
    const most = capabilitySet({ add: ['ALL'], drop: ['KILL'] });
    expect(most).toHaveLength(Object.keys(CAPABILITIES).length - 1);
    expect(most).not.toContain('CAP_KILL');
  });

  it('names the flag and the unknown capability', () => {
    expect(() => capabilitySet({ add: ['FLY'] })).toThrow('--cap-add: unknown capability "FLY"');
    expect(() => capabilitySet({ drop: ['FLY'] })).toThrow('--cap-drop: unknown capability "FLY"');
  });
});
