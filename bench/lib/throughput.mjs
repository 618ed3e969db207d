// 2. Throughput: N containers one after another, and N with a few running at once.
import { CONFIG } from './config.mjs';
import { PEERS } from './peers.mjs';
import { SKIFF_UNAVAILABLE } from './skiff.mjs';
import { describeFailure, log, pool, round } from './util.mjs';

async function skiffThroughput(skiff) {
  const out = {};
  for (const [key, width] of [['seq', 1], ['par', CONFIG.parallel]]) {
    try {
      const ms = await pool(CONFIG.throughputN, width, async () => {
        const r = await skiff.async(['run', '--rm', CONFIG.image, 'true']);
        if (r.code !== 0) throw new Error(`skiff run --rm: ${describeFailure(r)}`);
      });
      out[key] = { n: CONFIG.throughputN, width, ms: round(ms), perSecond: round((CONFIG.throughputN * 1000) / ms) };
      log(`skiff throughput x${width}: ${out[key].perSecond}/s`);
    } catch (error) {
      out[key] = { error: error.message };
    }
  }
  return out;
}

async function peerThroughput(peer, worker) {
  const seq = await worker.call({ op: 'throughput', n: CONFIG.throughputN, width: 1 });
  const par = await worker.call({ op: 'throughput', n: CONFIG.throughputN, width: CONFIG.parallel });
  log(`${peer}+overlay throughput: ${seq.perSecond ?? seq.error}/s sequential, ${par.perSecond ?? par.error}/s x${CONFIG.parallel}`);
  return { seq, par };
}

/** Section 2: { skiff: { seq, par }, 'runc+overlay': { seq, par }, 'crun+overlay': … }. */
export async function measureThroughput({ skiff, peers }) {
  const out = { skiff: skiff.error ? SKIFF_UNAVAILABLE : await skiffThroughput(skiff) };
  for (const peer of PEERS) {
    const worker = peers.workers[peer];
    out[`${peer}+overlay`] = worker ? await peerThroughput(peer, worker) : { error: peers.error(peer) };
  }
  return out;
}
