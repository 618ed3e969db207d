import { describe, expect, it } from 'vitest';
import { CAPABILITIES, capabilitySet, DEFAULT_CAPABILITIES } from './security.js';

describe('capabilitySet (docker --cap-add / --cap-drop)', () => {
  it("is docker's 14 capabilities without flags", () => {
    expect(capabilitySet()).toEqual([...DEFAULT_CAPABILITIES]);
    expect(DEFAULT_CAPABILITIES).toHaveLength(14);
  });

  it('drops, then adds', () => {
    const set = capabilitySet({ add: ['CAP_NET_ADMIN'], drop: ['CAP_CHOWN', 'CAP_NET_RAW'] });
    expect(set).toContain('CAP_NET_ADMIN');
    expect(set).not.toContain('CAP_CHOWN');
    expect(set).not.toContain('CAP_NET_RAW');
    expect(set).toHaveLength(13);
  });

  it('ALL: drop ALL starts from nothing, add ALL keeps everything but what is dropped', () => {
    expect(capabilitySet({ drop: ['ALL'], add: ['CAP_KILL'] })).toEqual(['CAP_KILL']);
    expect(capabilitySet({ drop: ['ALL'] })).toEqual([]);
    expect(capabilitySet({ add: ['ALL'] })).toBe('all');
    const most = capabilitySet({ add: ['ALL'], drop: ['CAP_KILL'] });
    expect(most).toHaveLength(Object.keys(CAPABILITIES).length - 1);
    expect(most).not.toContain('CAP_KILL');
  });

  it('refuses a name that is not a capability (typed callers can still pass one from JavaScript)', () => {
    expect(() => capabilitySet({ add: ['FLY' as never] })).toThrow('--cap-add: unknown capability "FLY"');
    expect(() => capabilitySet({ drop: ['net_admin' as never] })).toThrow('--cap-drop: unknown capability "net_admin"');
  });
});
