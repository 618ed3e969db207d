import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiresRoot, tempDir } from '../../../test/support.js';
import { sandbox } from './cli.js';

describe.runIf(requiresRoot('these tests run containers'))('events', () => {
  it('follows new events, lists past ones with --since/--until, filters and formats them', async () => {
    const { skiff } = sandbox();
    const follow = skiff(['events', '--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}'], { timeout: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await skiff(['run', '--rm', '--name', 'brief', '-l', 'team=a', 'busybox', 'true']);
    await skiff(['run', '-d', '--name', 'long', 'busybox', 'sleep', '60']);
    await skiff(['kill', 'long']);
    await skiff(['wait', 'long']);
    await skiff(['rename', 'long', 'longer']);
    await skiff(['rm', 'longer']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    follow.kill('SIGTERM');
    const followed = (await follow).stdout.split('\n');
    expect(followed).toEqual([
      'container create brief',
      'container start brief',
      'container die brief',
      'container destroy brief',
      'container create long',
      'container start long',
      'container kill long',
      'container die long',
      'container rename longer',
      'container destroy longer',
    ]);
    const past = (await skiff(['events', '--since', '1m', '--until', '0s'])).stdout.split('\n');
    expect(past).toHaveLength(10);
    expect(past[2]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z container die [0-9a-f]{64} \(exitCode=0, image=busybox, name=brief, team=a\)$/);
    const filtered = await skiff(['events', '--since', '1m', '--until', '0s', '-f', 'event=die', '-f', 'event=kill', '-f', 'container=long', '--format', '{{.Action}} {{.Actor.Attributes.exitCode}}']);
    expect(filtered.stdout).toBe('kill <no value>\ndie 137');
    expect((await skiff(['events', '--since', '1m', '--until', '0s', '-f', 'label=team=a', '--format', '{{.Action}}'])).stdout).toBe('create\nstart\ndie\ndestroy');
    const json = JSON.parse((await skiff(['events', '--since', '1m', '--until', '0s', '--format', 'json', '-f', 'event=rename'])).stdout);
    expect(json).toMatchObject({ status: 'rename', Type: 'container', Action: 'rename', scope: 'local', Actor: { Attributes: { name: 'longer', oldName: '/long' } } });
    expect((await skiff(['events', '--since', 'yesterday-ish', '--until', '0s'])).exitCode).toBe(125);
    // Volumes: made by volume create or a first -v NAME:/path, removed by volume rm.
    await skiff(['volume', 'create', 'vol1']);
    await skiff(['run', '--rm', '-v', 'vol2:/d', 'busybox', 'true']);
    await skiff(['volume', 'rm', 'vol1']);
    const volumes = await skiff(['events', '--since', '1m', '--until', '0s', '-f', 'type=volume', '--format', '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.driver}}']);
    expect(volumes.stdout).toBe('create vol1 local\ncreate vol2 local\ndestroy vol1 local');
    expect((await skiff(['events', '--since', '1m', '--until', '0s', '-f', 'volume=vol2', '--format', '{{.Action}}'])).stdout).toBe('create');
    expect((await skiff(['events', '-f', 'colour=red', '--until', '0s'])).stderr).toMatch(/invalid filter 'colour'/);
    expect((await skiff(['events', '--until', '0s', '--format', '{{.Nope}}', '--since', '1m'])).stderr).toMatch(/can't evaluate field Nope in type events.Message/);
  });

  it('the journal cannot be forged by a label, and a symlink planted as the journal is not followed (attack)', async () => {
    const { skiff, root } = sandbox();
    const forged = 'x"}}\n{"status":"destroy","id":"forged","Type":"container","Action":"destroy","Actor":{"ID":"forged","Attributes":{}},"scope":"local","time":1,"timeNano":1}\n';
    await skiff(['create', '--name', 'labelled', '-l', `evil=${forged}`, 'busybox', 'true']);
    const lines = (await skiff(['events', '--since', '1m', '--until', '0s', '--format', '{{.Action}} {{.Actor.ID}}'])).stdout.split('\n');
    expect(lines).toEqual([expect.stringMatching(/^create [0-9a-f]{64}$/)]);
    expect(readFileSync(join(root, 'events.log'), 'utf8').trim().split('\n')).toHaveLength(1);
    // A symlink where the journal goes, pointing at a file outside: events are dropped, the file is untouched.
    const outside = join(tempDir('skiff-test-events-'), 'target');
    writeFileSync(outside, 'keep');
    const { rmSync } = await import('node:fs');
    rmSync(join(root, 'events.log'));
    symlinkSync(outside, join(root, 'events.log'));
    expect((await skiff(['create', '--name', 'second', 'busybox', 'true'])).exitCode).toBe(0);
    expect(readFileSync(outside, 'utf8')).toBe('keep');
  });
});
