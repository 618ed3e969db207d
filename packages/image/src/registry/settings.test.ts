import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { allowsHttp, readRegistrySettings } from './settings.js';

function root(config?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-settings-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  if (config !== undefined) writeFileSync(join(dir, 'config.json'), config);
  return dir;
}

describe('registry settings', () => {
  it('plain http only for loopback and configured registries', async () => {
    const none = await readRegistrySettings(root());
    expect(allowsHttp(none, '127.0.0.1:5000')).toBe(true);
    expect(allowsHttp(none, 'registry.lan:5000')).toBe(false);
    const some = await readRegistrySettings(root('{"insecure-registries":["registry.lan:5000"]}'));
    expect(allowsHttp(some, 'registry.lan:5000')).toBe(true);
    expect(allowsHttp(some, 'registry.lan')).toBe(false);
  });

  it('a damaged config.json is one clear line', async () => {
    await expect(readRegistrySettings(root('{'))).rejects.toThrow(/config\.json is not valid JSON/);
    await expect(readRegistrySettings(root('{"insecure-registries":"x"}'))).rejects.toThrow(/"insecure-registries" must be a list/);
  });
});
