// SECURITY.md's seccomp list is generated from the one table the filter is built from (src/seccomp-profile.ts):
// this test fails when they differ. `SKIFF_UPDATE_DOCS=1 pnpm vitest run packages/native/test/seccomp-doc.test.ts`
// rewrites the section.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SECCOMP_PROFILE, type SeccompRule } from '../src/index.js';

const SECURITY_MD = fileURLToPath(new URL('../../../SECURITY.md', import.meta.url));
const BEGIN = '<!-- seccomp-profile: generated from packages/native/src/seccomp-profile.ts; test/seccomp-doc.test.ts checks it -->';
const END = '<!-- end seccomp-profile -->';

/** Words wrapped into lines of at most width characters. */
function wrap(words: string[], width = 116): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

const code = (names: readonly string[]) => names.map((name) => `\`${name}\``);
const gate = (rule: SeccompRule) =>
  rule.ifCapability ? ` (with ${rule.ifCapability})` : rule.unlessCapability ? ` (without ${rule.unlessCapability})` : '';

function renderSeccompProfile(profile: readonly SeccompRule[]): string {
  const plain = profile.filter((rule) => rule.action === 'allow' && !rule.args && !rule.ifCapability && !rule.unlessCapability);
  const allowed = plain.flatMap((rule) => rule.names);
  const out: string[] = [`- **allowed** (${allowed.length} names):`, ...wrap(code(allowed)).map((line) => `  ${line}`)];
  // Conditional rules, one bullet per name and action (rules of one name and action OR together).
  const conditional = new Map<string, string[]>();
  for (const rule of profile.filter((r) => r.args || (r.action !== 'allow' && !r.ifCapability))) {
    for (const name of rule.names) {
      const key = `${rule.action === 'allow' ? 'allowed' : rule.action}|${name}`;
      conditional.set(key, [...(conditional.get(key) ?? []), `${rule.why ?? ''}${gate(rule)}`]);
    }
  }
  for (const [key, whys] of conditional) {
    const [action, name] = key.split('|') as [string, string];
    out.push(...wrap([`- \`${name}\` ${action === 'allowed' ? 'allowed' : `answers ${action}`}:`, ...whys.join('; ').split(' ')]).map((line, i) => (i ? `  ${line}` : line)));
  }
  const byCapability = new Map<string, string[]>();
  for (const rule of profile.filter((r) => r.ifCapability && r.action === 'allow' && !r.args)) {
    byCapability.set(rule.ifCapability!, [...(byCapability.get(rule.ifCapability!) ?? []), ...rule.names]);
  }
  for (const [capability, names] of byCapability) {
    out.push(...wrap([`- **with ${capability}** also:`, ...code(names)]).map((line, i) => (i ? `  ${line}` : line)));
  }
  return [BEGIN, ...out, END].join('\n');
}

describe('SECURITY.md', () => {
  it('lists exactly the seccomp profile the helper enforces', () => {
    const text = readFileSync(SECURITY_MD, 'utf8');
    const start = text.indexOf(BEGIN);
    const end = text.indexOf(END);
    expect(start, `SECURITY.md has no "${BEGIN}" section`).toBeGreaterThanOrEqual(0);
    const current = text.slice(start, end + END.length);
    const expected = renderSeccompProfile(SECCOMP_PROFILE);
    if (process.env.SKIFF_UPDATE_DOCS === '1' && current !== expected) writeFileSync(SECURITY_MD, text.replace(current, expected));
    else expect(current).toBe(expected);
  });
});
