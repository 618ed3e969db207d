import { describe, expect, it } from 'vitest';
import { parseRestart } from './restart.js';

describe('--restart', () => {
  it('takes docker forms', () => {
    expect(parseRestart('no')).toEqual({ name: 'no', maximumRetryCount: 0 });
    expect(parseRestart('always')).toEqual({ name: 'always', maximumRetryCount: 0 });
    expect(parseRestart('unless-stopped')).toEqual({ name: 'unless-stopped', maximumRetryCount: 0 });
    expect(parseRestart('on-failure')).toEqual({ name: 'on-failure', maximumRetryCount: 0 });
    expect(parseRestart('on-failure:3')).toEqual({ name: 'on-failure', maximumRetryCount: 3 });
  });

  it.each(['', 'sometimes', 'always:2', 'on-failure:-1', 'on-failure:x', 'on-failure:1:2', 'on-failure:99999999', 'ON-FAILURE'])('refuses %j', (bad) => {
    expect(() => parseRestart(bad)).toThrow(/invalid restart policy/);
  });
});
