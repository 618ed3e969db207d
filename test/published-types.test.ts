// What an outside user of a published package type-checks against: every package its built declarations
// (dist/*.d.ts) import must be one of its own dependencies, or that user's `tsc` cannot resolve the types.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const packageDirs = ['packages', 'apps'].flatMap((group) => readdirSync(join(ROOT, group)).map((name) => join(ROOT, group, name)));
const built = packageDirs.filter((dir) => existsSync(join(dir, 'dist')));

/** The package names a declaration file imports (`from '…'`, `import('…')`), relative paths and builtins left out. */
function importedPackages(text: string): string[] {
  const names = [...text.matchAll(/(?:\bfrom\s+|\bimport\(\s*)['"]([^'"]+)['"]/g)]
    .map((match) => match[1]!)
    .filter((specifier) => !specifier.startsWith('.') && !isBuiltin(specifier))
    .map((specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/'));
  return [...new Set(names)];
}

describe('published type declarations', () => {
  it.runIf(built.length > 0)('import only packages their package.json depends on', () => {
    const missing: string[] = [];
    for (const dir of built) {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const declared = new Set([pkg.name, ...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
      const declarations = readdirSync(join(dir, 'dist'), { recursive: true }).map(String).filter((file) => file.endsWith('.d.ts'));
      for (const file of declarations) {
        for (const name of importedPackages(readFileSync(join(dir, 'dist', file), 'utf8'))) {
          if (!declared.has(name)) missing.push(`${pkg.name}: dist/${file} imports ${name}, not in its dependencies`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
  if (built.length === 0) console.warn('skipped: published type declarations: nothing is built (run pnpm build)');
});
