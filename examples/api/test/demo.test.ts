import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { requiresRoot } from '../../../test/support.js';

it.runIf(requiresRoot('the API example runs a container'))('the README\'s API example runs as documented', async () => {
  const demo = fileURLToPath(new URL('../demo.mjs', import.meta.url));
  const result = await execa('node', [demo], { env: { SKIFF_CGROUP_PARENT: undefined } });
  // stdout and stderr are two streams: their relative order is not fixed.
  expect(result.stdout.split('\n').sort()).toEqual([
    '[log stderr] got bye',
    expect.stringMatching(/^\[log stdout\] hello from [0-9a-f]{12}$/),
    '[stderr] got bye',
    expect.stringMatching(/^\[stdout\] hello from [0-9a-f]{12}$/),
    'exit code 0 (wait: 0), state exited',
  ]);
});
