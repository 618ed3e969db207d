import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { requiresRoot } from '../../../test/support.js';

it.runIf(requiresRoot('the API example runs a container'))('the README\'s API example runs as documented', async () => {
  const demo = fileURLToPath(new URL('../demo.mjs', import.meta.url));
  const result = await execa('node', [demo], { env: { SKIFF_CGROUP_PARENT: undefined } });
  expect(result.stdout).toMatch(/^\[stdout\] hello from [0-9a-f]{12}\n\[stderr\] to stderr\nexit code 0, state exited$/);
});
