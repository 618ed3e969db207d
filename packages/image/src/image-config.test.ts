import { describe, expect, it } from 'vitest';
import { parseImageConfig } from './image-config.js';

const DIFF = `sha256:${'a'.repeat(64)}`;
const config = (extra: Record<string, unknown>) =>
  Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', config: { Cmd: ['sh'], ...extra }, rootfs: { type: 'layers', diff_ids: [DIFF] } }));

describe('image config Healthcheck', () => {
  it('is read in milliseconds', () => {
    const parsed = parseImageConfig(config({ Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 5e9, Timeout: 2e9, StartPeriod: 0, Retries: 4 } }), 1, 'x');
    expect(parsed.healthcheck).toEqual({ test: ['CMD-SHELL', 'true'], intervalMs: 5000, timeoutMs: 2000, retries: 4 });
  });

  it.each([null, 'x', { Test: [] }, { Test: 'true' }, { Test: [1] }])('leaves out a malformed one: %j', (healthcheck) => {
    expect(parseImageConfig(config({ Healthcheck: healthcheck }), 1, 'x').healthcheck).toBeUndefined();
  });
});
