// 9. Networking: `run --rm IMAGE true` on the default bridge against --network none (interleaved run by run),
// and the resident memory of a user network's DNS responder (skiff-dns). The bench root's own bridge, subnet and
// nft table (skiff.mjs writes them into its config.json) are removed at the end.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CONFIG } from './config.mjs';
import { SKIFF_UNAVAILABLE } from './skiff.mjs';
import { describeFailure, log, nowMs, round, stats, STOP } from './util.mjs';

function timedRun(skiff, network) {
  const t0 = nowMs();
  const r = skiff.sync(['run', '--rm', '--network', network, CONFIG.image, 'true']);
  const ms = nowMs() - t0;
  if (r.status !== 0) throw new Error(`run --network ${network}: ${describeFailure(r)}`);
  return ms;
}

function responderMemory(skiff) {
  const made = skiff.sync(['network', 'create', 'benchnet']);
  if (made.status !== 0) return { error: `network create: ${describeFailure(made)}` };
  try {
    const ids = [];
    for (let i = 0; i < 3; i++) {
      const r = skiff.sync(['run', '-d', '--network', 'benchnet', '--name', `benchdns${i}`, CONFIG.image, 'sleep', '600']);
      if (r.status !== 0) return { error: `run -d --network benchnet: ${describeFailure(r)}` };
      ids.push(r.stdout.trim());
    }
    // A few lookups first, so the figure is of a responder that has answered and forwarded.
    skiff.sync(['exec', ids[0], 'sh', '-c', 'for n in benchdns1 benchdns2 benchdns1; do nslookup $n >/dev/null; done']);
    const info = JSON.parse(skiff.sync(['network', 'inspect', 'benchnet']).stdout)[0];
    skiff.sync(['rm', '-f', ...ids]);
    return info.DNS ? { rssKiB: info.DNS.ResidentKiB, containers: ids.length } : { error: 'the responder was not running' };
  } finally {
    skiff.sync(['rm', '-f', 'benchdns0', 'benchdns1', 'benchdns2']);
    skiff.sync(['network', 'rm', 'benchnet']);
  }
}

/** The bench root's bridge and table: gone once the section is done. */
function removeNetworking(skiff) {
  const config = JSON.parse(fs.readFileSync(path.join(skiff.env.SKIFF_ROOT, 'config.json'), 'utf8')).network;
  if (fs.existsSync(`/sys/class/net/${config.bridge}`)) spawnSync('ip', ['link', 'del', config.bridge], { stdio: 'ignore' });
  spawnSync('nft', ['delete', 'table', 'ip', config.table], { stdio: 'ignore' });
}

export async function measureNetwork({ skiff }) {
  if (skiff.error) return SKIFF_UNAVAILABLE;
  log('network: run --rm true on bridge vs none');
  const samples = { none: [], bridge: [] };
  try {
    for (let i = 0; i < CONFIG.warmup; i++) for (const mode of ['none', 'bridge']) timedRun(skiff, mode);
    for (let i = 0; i < CONFIG.runs && !STOP.requested; i++) for (const mode of ['none', 'bridge']) samples[mode].push(timedRun(skiff, mode));
    const none = stats(samples.none);
    const bridge = stats(samples.bridge);
    log('network: the DNS responder');
    const dns = responderMemory(skiff);
    return { none: { ...none, runs: samples.none.length }, bridge: { ...bridge, runs: samples.bridge.length }, extraMs: round(bridge.median - none.median), dns };
  } catch (error) {
    return { error: error.message };
  } finally {
    removeNetworking(skiff);
  }
}
