import { describe, expect, it } from 'vitest';
import { healthcheckOf } from './health.js';

describe('healthcheckOf', () => {
  const image = { test: ['CMD', 'probe'], intervalMs: 5000 };
  it("takes the image's HEALTHCHECK, the flags' over it, and NONE turns it off", () => {
    expect(healthcheckOf(undefined, image).healthcheck).toEqual({ test: ['CMD', 'probe'], intervalMs: 5000, timeoutMs: 30000, startPeriodMs: 0, retries: 3 });
    expect(healthcheckOf({ test: [], timeoutMs: 100 }, image).healthcheck).toMatchObject({ test: ['CMD', 'probe'], intervalMs: 5000, timeoutMs: 100 });
    expect(healthcheckOf({ test: ['CMD-SHELL', 'x'] }, image).healthcheck?.test).toEqual(['CMD-SHELL', 'x']);
    expect(healthcheckOf({ test: ['NONE'] }, image)).toEqual({});
    expect(healthcheckOf({ test: [], retries: 1 }, undefined)).toEqual({});
    expect(healthcheckOf(undefined, undefined)).toEqual({});
  });
  it('refuses a malformed test', () => {
    expect(() => healthcheckOf({ test: ['SHELL', 'x'] }, undefined)).toThrow(/invalid health check test/);
  });
});
