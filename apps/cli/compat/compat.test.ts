// The compatibility suite (vitest project `compat`): the same scenarios against skiff and, where installed,
// podman, comparing outputs field by field where they should match. `pnpm test:compat`.
import { describe, expect, it } from 'vitest';
import { requiresRoot } from '../../../test/support.js';
import { cleanPodman, podmanEngine, podmanPath, skiffEngine, type Engine } from './engines.js';
import { SCENARIOS, fill, observed, type Scenario } from './scenarios.js';

async function play(engine: Engine, scenario: Scenario) {
  await scenario.setup?.(engine);
  for (const step of scenario.steps) {
    const result = await engine.run(fill(step, engine));
    // A step may fail on purpose (exit 3): only a failure to run at all stops the scenario.
    if (result.exitCode === 125 || result.exitCode === 127) throw new Error(`${engine.name} ${step.join(' ')}: ${result.stderr}`);
  }
  const results = [];
  for (const probe of scenario.probes) results.push(await engine.run(fill(probe.args, engine), probe.input === undefined ? {} : { input: probe.input }));
  return results;
}

describe.runIf(requiresRoot('the scenarios run containers'))('docker compatibility', () => {
  for (const scenario of SCENARIOS) {
    it(`${scenario.name}: skiff gives docker's answers`, async () => {
      const skiff = skiffEngine();
      const results = await play(skiff, scenario);
      scenario.probes.forEach((probe, index) => {
        const stdout = observed({ ...results[index]!, exitCode: 0 }, { ...probe, compare: 'stdout' }).stdout!;
        if (probe.expected instanceof RegExp) expect(stdout, probe.args.join(' ')).toMatch(probe.expected);
        else if (probe.expected !== undefined && probe.compare !== 'exitCode') expect(stdout, probe.args.join(' ')).toBe(probe.expected);
      });
      await skiff.run(['rm', '-f', ...(await skiff.run(['ps', '-aq'])).stdout.split('\n').filter(Boolean)]);
    });

    it.runIf(podmanPath !== undefined)(`${scenario.name}: skiff and podman agree`, async (context) => {
      if (!podmanPath) return context.skip('podman is not installed');
      const skiff = skiffEngine();
      const podman = await podmanEngine();
      try {
        const [ours, theirs] = [await play(skiff, scenario), await play(podman, scenario)];
        scenario.probes.forEach((probe, index) => {
          if (probe.differs) return;
          const what = `${probe.args.join(' ')} (skiff: ${JSON.stringify(ours[index])}, podman: ${JSON.stringify(theirs[index])})`;
          expect(observed(ours[index]!, probe), what).toEqual(observed(theirs[index]!, probe));
        });
      } finally {
        await cleanPodman(podman);
        await skiff.run(['rm', '-f', ...(await skiff.run(['ps', '-aq'])).stdout.split('\n').filter(Boolean)]);
      }
    });
  }
});
