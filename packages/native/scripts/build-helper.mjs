// Compiles c/*.c into bin/skiff-helper with the system C compiler. Skips the work when the binary is newer
// than every source. Set SKIFF_HELPER_FORCE=1 to rebuild anyway, CC to pick another compiler.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'c');
const output = join(root, 'bin', 'skiff-helper');

const inputs = readdirSync(sourceDir)
  .filter((name) => name.endsWith('.c') || name.endsWith('.h'))
  .map((name) => join(sourceDir, name));
const sources = inputs.filter((file) => file.endsWith('.c')).sort();

const newest = Math.max(...inputs.map((file) => statSync(file).mtimeMs), statSync(fileURLToPath(import.meta.url)).mtimeMs);
if (!process.env.SKIFF_HELPER_FORCE && existsSync(output) && statSync(output).mtimeMs >= newest) {
  console.log('skiff-helper is up to date');
} else {
  mkdirSync(dirname(output), { recursive: true });
  const cc = process.env.CC || 'cc';
  const flags = ['-std=gnu11', '-D_GNU_SOURCE', '-O2', '-Wall', '-Wextra', '-Werror', '-D_FORTIFY_SOURCE=2'];
  const args = [...flags, '-o', `${output}.tmp`, ...sources];
  console.log(`${cc} ${args.map((a) => a.replace(root + '/', '')).join(' ')}`);
  try {
    execFileSync(cc, args, { stdio: 'inherit' });
  } catch {
    console.error('skiff-helper: compilation failed (see above)');
    process.exit(1);
  }
  // Rename into place so a running helper is never overwritten mid-flight (ETXTBSY).
  renameSync(`${output}.tmp`, output);
}
