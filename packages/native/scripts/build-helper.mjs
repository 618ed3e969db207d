// Compiles c/*.c into bin/skiff-helper with the system C compiler. Skips the work when the binary is newer
// than every source. Set SKIFF_HELPER_FORCE=1 to rebuild anyway, CC to pick another compiler.
//
// Linked statically when the C library allows it (glibc's libc.a comes with libc6-dev): the detached
// supervisor lives as long as its container, and without the dynamic loader and a mapped libc.so its
// resident memory is a fraction. Where static linking is unavailable (or SKIFF_HELPER_STATIC=0), the build
// falls back to dynamic linking and says so.
//
// libseccomp builds the seccomp filter (c/seccomp.c); its static library is always linked in (Debian:
// libseccomp-dev), so the helper needs no libseccomp.so at run time. Missing, the build stops and says so.
//
// SECCOMP_CACHE_SOURCE, a hash of the code that builds seccomp filters, is part of every seccomp cache key
// (c/seccomp-cache.c): a helper built from other code never takes a filter an older one kept in the run root.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
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
  const cc = process.env.CC || 'cc';
  requireLibseccomp(cc);
  mkdirSync(dirname(output), { recursive: true });
  const seccompSource = createHash('sha256');
  for (const name of ['seccomp.c', 'seccomp-cache.c']) seccompSource.update(readFileSync(join(sourceDir, name)));
  const flags = ['-std=gnu11', '-D_GNU_SOURCE', '-O2', '-Wall', '-Wextra', '-Werror', '-D_FORTIFY_SOURCE=2', `-DSECCOMP_CACHE_SOURCE="${seccompSource.digest('hex').slice(0, 16)}"`];
  // quiet: the output is kept for the note below instead of shown (a failed static link is not an error).
  const compile = (link, quiet) => {
    const args = [...flags, ...link, '-o', `${output}.tmp`, ...sources, '-l:libseccomp.a'];
    console.log(`${cc} ${args.map((a) => a.replace(root + '/', '')).join(' ')}`);
    execFileSync(cc, args, { stdio: quiet ? 'pipe' : 'inherit' });
  };
  try {
    if (process.env.SKIFF_HELPER_STATIC === '0') throw new Error('SKIFF_HELPER_STATIC=0');
    compile(['-static'], true);
  } catch (error) {
    const reason = String(error.stderr || error.message).trim().split('\n').at(-1);
    console.log(`skiff-helper: note: not linking statically (${reason}); linking dynamically`);
    try {
      compile([], false);
    } catch {
      console.error('skiff-helper: compilation failed (see above)');
      process.exit(1);
    }
  }
  // Rename into place so a running helper is never overwritten mid-flight (ETXTBSY).
  renameSync(`${output}.tmp`, output);
}

// The per-network DNS responder (c/dns/skiff-dns.c): a program of its own, so its resident memory is its own.
const dnsSource = join(sourceDir, 'dns', 'skiff-dns.c');
const dnsOutput = join(root, 'bin', 'skiff-dns');
if (!process.env.SKIFF_HELPER_FORCE && existsSync(dnsOutput) && statSync(dnsOutput).mtimeMs >= statSync(dnsSource).mtimeMs) {
  console.log('skiff-dns is up to date');
} else {
  const cc = process.env.CC || 'cc';
  const args = (link) => ['-std=gnu11', '-D_GNU_SOURCE', '-O2', '-Wall', '-Wextra', '-Werror', '-D_FORTIFY_SOURCE=2', ...link, '-o', `${dnsOutput}.tmp`, dnsSource];
  try {
    execFileSync(cc, args(process.env.SKIFF_HELPER_STATIC === '0' ? [] : ['-static']), { stdio: 'pipe' });
  } catch {
    execFileSync(cc, args([]), { stdio: 'inherit' });
  }
  renameSync(`${dnsOutput}.tmp`, dnsOutput);
  console.log('built skiff-dns');
}

/** Fails the build with one clear line when libseccomp's header or static library is missing (and only then). */
function requireLibseccomp(cc) {
  const builds = (source, libs) => {
    try {
      execFileSync(cc, ['-x', 'c', '-o', '/dev/null', '-', ...libs], { input: source, stdio: ['pipe', 'pipe', 'pipe'] });
      return true;
    } catch {
      return false;
    }
  };
  if (builds('int main(void) { return 0; }\n', []) && !builds('#include <seccomp.h>\nint main(void) { return seccomp_version() == 0; }\n', ['-l:libseccomp.a'])) {
    console.error('skiff-helper: libseccomp (seccomp.h and libseccomp.a) not found: install it (Debian/Ubuntu: apt-get install libseccomp-dev), then build again');
    process.exit(1);
  }
}
