// Scenarios run against every engine (compat.test.ts). Each names the docker behaviour it checks, the commands
// that set it up, and the probes whose outputs must agree; `differs` lists where podman knowingly departs from
// docker (skiff follows docker there), so those probes run on skiff only.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine, Result } from './engines.js';

export interface Probe {
  /** The command line; IMAGE stands for the engine's busybox, DIR for its scratch directory. */
  args: string[];
  /** What is compared: the output (normalised) and/or the exit code. */
  compare: 'stdout' | 'exitCode' | 'both';
  /** A normalisation of stdout before comparison (default: trimmed). */
  normalise?: (stdout: string) => string;
  /** Set when podman departs from docker here: the probe is checked against `expected` for skiff only. */
  differs?: string;
  /** What skiff must print (docker's answer), checked on skiff always. */
  expected?: string | RegExp;
  input?: string;
}

export interface Scenario {
  name: string;
  setup?: (engine: Engine) => Promise<void> | void;
  steps: string[][];
  probes: Probe[];
}

const lines = (text: string) => text.trim().split('\n').filter(Boolean);

export const SCENARIOS: Scenario[] = [
  {
    name: 'run: exit codes and output',
    steps: [],
    probes: [
      { args: ['run', '--rm', 'IMAGE', 'echo', 'hello world'], compare: 'both', expected: 'hello world' },
      { args: ['run', '--rm', 'IMAGE', 'sh', '-c', 'exit 3'], compare: 'exitCode' },
      { args: ['run', '--rm', 'IMAGE', 'nosuchcommand'], compare: 'exitCode' },
      { args: ['run', '--rm', '-e', 'A=1', '-w', '/tmp', 'IMAGE', 'sh', '-c', 'echo $A $(pwd)'], compare: 'both', expected: '1 /tmp' },
    ],
  },
  {
    name: 'ps --filter and --format fields',
    steps: [
      ['run', '--name', 'three', '-l', 'tier=web', 'IMAGE', 'sh', '-c', 'exit 3'],
      ['run', '--name', 'zero', 'IMAGE', 'true'],
      ['create', '--name', 'fresh', 'IMAGE', 'true'],
    ],
    probes: [
      { args: ['ps', '-a', '--filter', 'exited=3', '--format', '{{.Names}}'], compare: 'stdout', expected: 'three' },
      { args: ['ps', '-a', '--filter', 'status=exited', '--format', '{{.Names}}'], compare: 'stdout', normalise: (out) => lines(out).sort().join(' '), expected: 'three zero' },
      { args: ['ps', '-a', '--filter', 'status=created', '--format', '{{.Names}}'], compare: 'stdout', expected: 'fresh' },
      { args: ['ps', '-a', '--filter', 'label=tier=web', '--format', '{{.Names}} {{.Image}}'], compare: 'stdout', normalise: (out) => out.trim().replace(/ (localhost\/)?busybox(:latest)?$/, ' IMAGE') },
      { args: ['ps', '-a', '--filter', 'name=zer', '-q'], compare: 'stdout', normalise: (out) => String(lines(out).length) },
      { args: ['ps', '-n', '1', '--format', '{{.Names}}'], compare: 'stdout', expected: 'fresh' },
      { args: ['ps', '-a', '--format', '{{.Names}} {{.Status}}', '--filter', 'name=three'], compare: 'stdout', normalise: (out) => out.trim().replace(/\d+ seconds?|Less than a second|About a minute|\d+ minutes/, 'T'), expected: 'three Exited (3) T ago' },
      { args: ['ps', '-a', '--format', '{{.State}}', '--filter', 'name=three'], compare: 'stdout', differs: 'podman 4 prints the Status text for .State', expected: 'exited' },
      { args: ['ps', '-a', '--format', '{{.Label "tier"}}', '--filter', 'name=three'], compare: 'stdout', differs: 'podman has no .Label method', expected: 'web' },
      { args: ['ps', '--format', '{{.Nope}}'], compare: 'stdout', differs: 'podman exits 0 for a bad field', expected: '' },
    ],
  },
  {
    name: 'inspect -f over the JSON; several names',
    steps: [['run', '--name', 'box', '-l', 'a=b', '-e', 'X=1', 'IMAGE', 'sh', '-c', 'exit 2']],
    probes: [
      { args: ['inspect', '-f', '{{.State.ExitCode}} {{.State.Status}} {{.State.Running}}', 'box'], compare: 'stdout', expected: '2 exited false' },
      { args: ['inspect', '-f', '{{index .Config.Labels "a"}} {{json .Config.Labels}}', 'box'], compare: 'stdout', expected: 'b {"a":"b"}' },
      { args: ['inspect', '-f', '{{range .Config.Env}}{{if eq . "X=1"}}found{{end}}{{end}}', 'box'], compare: 'stdout', expected: 'found' },
      { args: ['inspect', '-f', '{{.Name}}', 'box'], compare: 'stdout', differs: 'podman prints the name without docker\'s leading slash', expected: '/box' },
      { args: ['inspect', '-f', '{{.State.ExitCode}}', 'box', 'nothere'], compare: 'stdout', expected: '2' },
      { args: ['inspect', 'nothere'], compare: 'exitCode', differs: 'podman exits 125 where docker exits 1', expected: '[]' },
    ],
  },
  {
    name: 'run flags: --env-file, --label-file, --cidfile, --stop-timeout',
    setup: (engine) => {
      writeFileSync(join(engine.dir, 'env'), '# comment\nA=1\nB="quoted"\n\n  C=spaced value\n');
      writeFileSync(join(engine.dir, 'labels'), 'one=1\ntwo=2\n');
    },
    steps: [['create', '--name', 'flags', '--label-file', 'DIR/labels', '-l', 'two=3', '--cidfile', 'DIR/cid', '--stop-timeout', '7', 'IMAGE', 'true']],
    probes: [
      { args: ['run', '--rm', '--env-file', 'DIR/env', 'IMAGE', 'sh', '-c', 'echo "$A|$B|$C"'], compare: 'stdout', expected: '1|"quoted"|spaced value' },
      { args: ['inspect', '-f', '{{json .Config.Labels}}', 'flags'], compare: 'stdout', expected: '{"one":"1","two":"3"}' },
      { args: ['inspect', '-f', '{{.Config.StopTimeout}}', 'flags'], compare: 'stdout', expected: '7' },
      { args: ['run', '--rm=true', '--interactive=false', 'IMAGE', 'echo', 'ok'], compare: 'both', expected: 'ok' },
    ],
  },
  {
    name: 'run flags of the kernel: --oom-score-adj, --domainname, --uts host, --cgroupns, --expose, --annotation',
    steps: [['create', '--name', 'kernel', '--expose', '8000-8001', '--annotation', 'team=db', '--oom-score-adj', '300', 'IMAGE', 'true']],
    probes: [
      { args: ['run', '--rm', '--oom-score-adj', '500', 'IMAGE', 'cat', '/proc/self/oom_score_adj'], compare: 'both', expected: '500' },
      {
        args: ['run', '--rm', '--domainname', 'example.test', 'IMAGE', 'cat', '/proc/sys/kernel/domainname'],
        compare: 'both',
        differs: 'podman run has no --domainname flag (docker does)',
        expected: 'example.test',
      },
      { args: ['run', '--rm', '--uts', 'host', 'IMAGE', 'hostname'], compare: 'both' },
      { args: ['run', '--rm', '--cgroupns', 'private', 'IMAGE', 'sh', '-c', 'grep :memory: /proc/self/cgroup'], compare: 'both', expected: /:memory:\/$/ },
      { args: ['inspect', '-f', '{{.HostConfig.OomScoreAdj}}', 'kernel'], compare: 'stdout', expected: '300' },
      {
        args: ['inspect', '-f', '{{json .Config.ExposedPorts}}', 'kernel'],
        compare: 'stdout',
        differs: "podman's inspect has no Config.ExposedPorts (docker's does)",
        expected: '{"8000/tcp":{},"8001/tcp":{}}',
      },
      {
        args: ['inspect', '-f', '{{json .HostConfig.Annotations}}', 'kernel'],
        compare: 'stdout',
        differs: "podman keeps annotations in Config.Annotations, docker in HostConfig.Annotations",
        expected: '{"team":"db"}',
      },
      { args: ['run', '--rm', '--uts', 'host', '-h', 'renamed', 'IMAGE', 'true'], compare: 'exitCode' },
      { args: ['run', '--rm', '--isolation', 'hyperv', 'IMAGE', 'true'], compare: 'exitCode', differs: 'podman accepts any --isolation value on Linux; docker refuses', expected: '' },
    ],
  },
  {
    name: 'rename, wait, diff, top, cp',
    setup: (engine) => writeFileSync(join(engine.dir, 'up'), 'from host'),
    steps: [
      ['run', '-d', '--name', 'old', 'IMAGE', 'sh', '-c', 'echo x > /new; rm /bin/true; touch /ready; exec sleep 60'],
      ['rename', 'old', 'live'],
      ['exec', 'live', 'sh', '-c', 'until test -f /ready; do sleep 0.05; done'],
      ['cp', 'DIR/up', 'live:/tmp/up'],
      ['cp', 'live:/new', 'DIR/new'],
    ],
    probes: [
      { args: ['ps', '--format', '{{.Names}}'], compare: 'stdout', expected: 'live' },
      { args: ['diff', 'live'], compare: 'stdout', normalise: (out) => lines(out).filter((line) => / \/(new|bin|bin\/true|tmp|tmp\/up|ready)$/.test(line)).sort().join('\n'), expected: 'A /new\nA /ready\nA /tmp/up\nC /bin\nC /tmp\nD /bin/true' },
      { args: ['top', 'live', '-o', 'pid,args'], compare: 'stdout', normalise: (out) => lines(out).map((line) => line.trim().replace(/^\d+\s+/, 'N ').replace(/^PID\s+/, 'PID ').trimEnd()).join('\n') },
      { args: ['exec', 'live', 'cat', '/tmp/up'], compare: 'stdout', expected: 'from host' },
      { args: ['exec', 'live', 'stat', '-c', '%u', '/tmp/up'], compare: 'stdout', expected: '0' },
      { args: ['cp', 'live:/nope', 'DIR/nope'], compare: 'exitCode', differs: 'podman exits 125 where docker exits 1' },
    ],
  },
  {
    name: 'stop -t, kill and wait exit codes',
    steps: [['run', '-d', '--name', 'sleeper', 'IMAGE', 'sleep', '60'], ['stop', '-t', '1', 'sleeper']],
    probes: [
      { args: ['wait', 'sleeper'], compare: 'stdout', expected: '137' },
      { args: ['inspect', '-f', '{{.State.ExitCode}}', 'sleeper'], compare: 'stdout', expected: '137' },
    ],
  },
  {
    name: 'version --format',
    steps: [],
    probes: [{ args: ['version', '--format', '{{.Client.Os}}'], compare: 'stdout', expected: 'linux' }],
  },
];

/** IMAGE and DIR placeholders filled for an engine. */
export const fill = (args: string[], engine: Engine) => args.map((arg) => arg.replace(/^IMAGE$/, engine.image).replace(/DIR/g, engine.dir));

export function observed(result: Result, probe: Probe): { stdout?: string; exitCode?: number } {
  const stdout = (probe.normalise ?? ((out: string) => out.trim()))(result.stdout);
  return {
    ...(probe.compare !== 'exitCode' ? { stdout } : {}),
    ...(probe.compare !== 'stdout' ? { exitCode: result.exitCode } : {}),
  };
}
