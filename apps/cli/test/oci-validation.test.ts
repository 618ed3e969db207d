// The opencontainers/runtime-tools validation suite against skiff-runc (scripts/oci-conformance.mjs): every test
// file skiff-runc passes must keep passing. The suite's source is on neither npm nor Debian: the test runs when
// SKIFF_RUNTIME_TOOLS names a checkout (commit 260e151; see the script's header) and go is installed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { which } from './oci-fixture.js';

const script = fileURLToPath(new URL('../../../scripts/oci-conformance.mjs', import.meta.url));

/**
 * What skiff-runc passes at runtime-tools 260e151 on the development host (Debian 12, cgroup v1 hybrid). The
 * others fail for a reason of their own: see README "As an OCI runtime".
 */
const PASSING = [
  'config_updates_without_affect', 'create', 'default', 'delete_only_create_resources', 'delete_resources', 'hooks', 'hooks_stdin',
  'hostname', 'kill', 'kill_no_effect', 'killsig', 'linux_cgroups_cpus', 'linux_cgroups_devices', 'linux_cgroups_pids',
  'linux_cgroups_relative_cpus', 'linux_cgroups_relative_devices', 'linux_cgroups_relative_pids', 'linux_devices', 'linux_masked_paths',
  'linux_ns_nopath', 'linux_ns_path', 'linux_ns_path_type', 'linux_readonly_paths', 'linux_rootfs_propagation', 'linux_seccomp',
  'linux_sysctl', 'linux_uid_mappings', 'misc_props', 'mounts', 'poststart', 'poststart_fail', 'poststop', 'poststop_fail', 'prestart',
  'prestart_fail', 'process', 'process_capabilities', 'process_capabilities_fail', 'process_oom_score_adj', 'process_rlimits_fail',
  'process_user', 'root_readonly_true', 'state',
];

const suite = process.env.SKIFF_RUNTIME_TOOLS;
const why = !suite ? 'set SKIFF_RUNTIME_TOOLS to a runtime-tools checkout to run the OCI validation suite' : !which('go') ? 'the OCI validation suite needs go (apt-get install golang-go)' : undefined;
if (why) console.warn(`skipping: ${why}`);

describe.runIf(requiresRoot('the OCI validation suite runs real containers') && !why)('skiff-runc: opencontainers/runtime-tools validation', () => {
  it('passes every test file it passed before', { timeout: 900_000 }, async () => {
    const json = join(tempDir('oci-'), 'results.json');
    const run = await execa('node', [script, '--runtimes', 'skiff', '--json', json], { env: { SKIFF_RUNTIME_TOOLS: suite }, reject: false, timeout: 880_000 });
    expect(run.exitCode, String(run.stderr).slice(-3000)).toBe(0);
    const results = JSON.parse(readFileSync(json, 'utf8')).runtimes.skiff.tests as Record<string, string>;
    const regressed = Object.fromEntries(PASSING.filter((test) => results[test] !== 'pass').map((test) => [test, results[test]]));
    expect(regressed).toEqual({});
  });
});
