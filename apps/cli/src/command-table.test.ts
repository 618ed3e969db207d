import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandTable, withTable } from './command-table.js';
import { createProgram } from './program.js';

describe("README's command table", () => {
  it('is what the CLI defines (run scripts/readme-commands after changing a command or flag)', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const table = commandTable(createProgram(['node', 'skiff']));
    expect(withTable(readme, table), 'README.md is stale: run scripts/readme-commands').toBe(readme);
  });

  it('lists every visible command with its options', () => {
    const table = commandTable(createProgram(['node', 'skiff']));
    expect(table).toMatch(/\| `skiff ps` \| .* \| .*`-f, --filter`.*`--format`/);
    expect(table).toMatch(/\| `skiff volume ls` \|/);
    expect(table).not.toMatch(/skiff cleanup/);
  });
});
