// The Markdown report: one function per section, each returning its lines.
import { COMMANDS } from './commands.mjs';
import { ENDPOINTS, PING_RUNS } from './api.mjs';
import { BUSYBOX, CONFIG } from './config.mjs';
import { LATENCY_ROWS } from './latency.mjs';
import { SLEEP_SECS } from './memory.mjs';
import { EXPECTED_SPANS } from './trace.mjs';
import { clean, fmt } from './util.mjs';

function header(m) {
  return [
    `# skiff benchmark — ${m.date}`,
    '',
    `Linux ${m.kernel}, cgroups ${m.cgroups}, ${m.cpus}× ${m.cpuModel}, ${m.memGiB} GiB, Node ${m.node}; ${m.runc ?? 'no runc'}; ${m.crun ?? 'no crun'}; BusyBox ${m.busybox}; skiff ${m.skiff ?? 'not run'}. Load average at start ${m.loadStart}, at end ${m.loadEnd}.`,
    '',
    `Every figure uses a busybox root filesystem built from the host's \`${BUSYBOX}\` (skiff: its \`${CONFIG.image}\` image, made from the same binary).`,
    '',
  ];
}

function latency(rows) {
  const out = [
    `## 1. Start latency: a container running \`/bin/true\`, created and removed (ms; ${CONFIG.runs} runs after ${CONFIG.warmup} warm-up, runtimes interleaved)`,
    '',
    '| runtime | median | p90 | min | max |',
    '| --- | ---: | ---: | ---: | ---: |',
  ];
  for (const [key, label] of LATENCY_ROWS) {
    const s = rows[key];
    if (!s) continue;
    if (s.error) out.push(`| ${label} | skipped: ${clean(s.error)} | | | |`);
    else out.push(`| ${label}${s.failures ? ` (${s.failures} failed run(s) left out)` : ''} | ${fmt(s.median)} | ${fmt(s.p90)} | ${fmt(s.min)} | ${fmt(s.max)} |`);
  }
  out.push('');
  const failed = LATENCY_ROWS.filter(([key]) => rows[key]?.failures);
  for (const [key, label] of failed) out.push(`- ${label}: ${rows[key].failures} run(s) failed, last with: ${clean(rows[key].lastError)}`);
  if (failed.length) out.push('');
  out.push(
    '"+ overlay": fresh upper/work dirs, `mount -t overlay` (lowerdir = the busybox dir; static busybox `mount`), the run, `umount`, removing upper/work — all inside the timed span. The runc/crun OCI bundle is written before the clock starts.',
    '',
  );
  return out;
}

function throughput(t) {
  const cell = (x) => (!x ? '—' : x.error ? `skipped: ${clean(x.error, 160)}` : `${fmt(x.perSecond)}/s (${fmt(x.ms / 1000)} s)`);
  const out = [
    `## 2. Throughput: ${CONFIG.throughputN} containers running \`/bin/true\`, each created and removed`,
    '',
    `| runtime | sequential | ${CONFIG.parallel} in parallel |`,
    '| --- | ---: | ---: |',
  ];
  for (const [key, label] of [['skiff', '**skiff**'], ['runc+overlay', 'runc + overlay'], ['crun+overlay', 'crun + overlay']]) {
    const x = t[key];
    if (!x || x.error) out.push(`| ${label} | skipped: ${clean(x?.error ?? 'not run', 160)} | |`);
    else out.push(`| ${label} | ${cell(x.seq)} | ${cell(x.par)} |`);
  }
  out.push('');
  return out;
}

function skiffMemoryRow(s) {
  if (!s || s.error) return `| **skiff** | — | — | skipped: ${clean(s?.error ?? 'not run')} |`;
  const notes = [
    `measured: ${s.containers} × \`skiff run -d ${CONFIG.image} sleep ${SLEEP_SECS}\``,
    `${s.processes.length} skiff process(es) stayed alive`,
    ...(s.note ? [s.note] : []),
    ...(s.notCounted ? [`not counted (no link to this run): ${clean(s.notCounted.join(', '), 120)}`] : []),
  ];
  return `| **skiff** | ${fmt(s.pssMiBPerContainer)} | ${fmt(s.rssMiBPerContainer)} | ${notes.join('; ')} |`;
}

function peerMemoryRow(peer, d) {
  if (!d || d.error)
    return `| ${peer} | 0 | 0 | not measured${d?.error ? ` (\`${peer} run -d\` failed: ${clean(d.error, 160)})` : ''}; ${peer} has no shim: nothing of it stays besides the container |`;
  return `| ${peer} | ${fmt(d.pssKiB / 1024)} | ${fmt(d.rssKiB / 1024)} | measured: \`${peer} run -d\` leaves ${d.processes.length} ${peer} process(es) behind — no shim, only the container |`;
}

function memory(mem) {
  return [
    "## 3. Resident memory per detached `sleep` container: runtime processes that stay alive (the container's own `sleep` excluded)",
    '',
    '| runtime | Pss per container (MiB) | RSS per container (MiB) | how |',
    '| --- | ---: | ---: | --- |',
    skiffMemoryRow(mem.skiff),
    peerMemoryRow('runc', mem.runc),
    peerMemoryRow('crun', mem.crun),
    '| podman (conmon) | 2.0 | — | reference figure measured earlier on this machine, **not** by this script |',
    '| docker (containerd-shim) | 12.8 | — | reference figure measured earlier on this machine, **not** by this script |',
    '',
  ];
}

/** A "| label | MB/s | … | ratio |" row, or the row's error; `middle` gives the cells between. */
function rateRow(label, x, middle = () => []) {
  if (x?.error) return `| ${label} | skipped: ${clean(x.error)} |${middle({}).map(() => ' |').join('')} |`;
  const failed = x?.failures ? ` (${x.failures} failed run(s) left out; last: ${clean(x.lastError, 120)})` : '';
  return `| ${label}${failed} | ${fmt(x?.mbPerSec)} | ${[...middle(x ?? {}), fmt(x?.ratio)].join(' | ')} |`;
}

function volume(v) {
  const out = [
    `## 4. Volume write: \`dd if=/dev/zero bs=1M count=${CONFIG.ddMB} conv=notrunc,fsync\` overwriting a pre-written file (median of ${CONFIG.ddReps})`,
    '',
    '| target | MB/s | ratio to host dir |',
    '| --- | ---: | ---: |',
  ];
  if (v.error) out.push(`| all | skipped: ${clean(v.error)} | |`);
  else
    out.push(
      rateRow('host directory (the same busybox dd, on the host)', v.host),
      rateRow('**skiff** bind volume `-v DIR:/v`', v.bind),
      rateRow('**skiff** overlay volume `-v DIR:/v:driver=overlay`', v.overlay),
    );
  out.push('');
  return out;
}

function stdio(s) {
  const out = [
    `## 5. Stdio relay: ${s.mb ?? CONFIG.stdioMB} MB from a pipe through \`cat\` and back (median of ${s.reps ?? CONFIG.stdioReps}; rate from the first byte out to the last)`,
    '',
    '| path | MB/s | wall incl. start (ms) | ratio to host pipe |',
    '| --- | ---: | ---: | ---: |',
  ];
  const wall = (x) => [fmt(x.wallMs)];
  if (s.error) out.push(`| all | skipped: ${clean(s.error)} | | |`);
  else
    out.push(
      rateRow('host pipe: `head -c N /dev/zero | cat`', { ...s.host, ratio: s.host?.error ? undefined : 1 }, wall),
      rateRow(`**skiff** \`run --rm -i ${CONFIG.image} cat\``, s.skiff, wall),
    );
  out.push('');
  return out;
}

function spans(tr) {
  const measured = new Map((tr.spans ?? []).map((s) => [s.name, s]));
  const names = [...new Set([...EXPECTED_SPANS.map(([name]) => name), ...measured.keys()])];
  const label = (name) => EXPECTED_SPANS.find(([n]) => n === name)?.[1] ?? name;
  const out = ['', '| span (a duration skiff reports, `skiff-trace-span`) | median (ms) | p90 |', '| --- | ---: | ---: |'];
  for (const name of names) {
    const s = measured.get(name);
    if (!s) out.push(`| ${label(name)} | not reported by this skiff (no \`skiff-trace-span ${name}\` line) | |`);
    else out.push(`| ${label(name)}${s.seen < CONFIG.traceRuns ? ` (in ${s.seen} of ${CONFIG.traceRuns} runs)` : ''} | ${fmt(s.median)} | ${fmt(s.p90)} |`);
  }
  return out;
}

function traceSummary(tr, nb) {
  const first = tr.phases[0];
  const last = tr.phases.at(-1);
  if (!first || !last || !nb?.ready?.median || !nb?.median) return [];
  const nodeTail = nb.median - nb.ready.median;
  return [
    '',
    `Before the first phase (\`${first.phase}\`, ${fmt(first.median)} ms): a bare node is ready to run a script at ${fmt(nb.ready.median)} ms, which leaves about ${fmt(first.median - nb.ready.median)} ms of loading skiff's modules. ` +
      `After \`${last.phase}\`, skiff takes ${fmt(tr.wall.median - last.median)} ms until it is gone; a bare node takes ${fmt(nodeTail)} ms from ready to gone (starting up before its clock begins, and exiting), so about ${fmt(tr.wall.median - last.median - nodeTail)} ms of that is skiff's own exit.`,
  ];
}

/** The variants side by side, phase by phase: "at (+ since previous)" medians, and each one's bare runtime. */
function variantTable(tr) {
  if (!tr.compared) return [];
  const vs = tr.variants;
  const names = [...new Set(vs.flatMap((v) => (v.phases ?? []).map((p) => p.phase)))];
  const cell = (v, phase) => {
    if (v.error) return 'failed';
    const index = v.phases.findIndex((p) => p.phase === phase);
    if (index < 0) return '—';
    const before = index ? v.phases[index - 1].median : 0;
    return `${fmt(v.phases[index].median)} (+${fmt(v.phases[index].median - before)})`;
  };
  const out = [
    '',
    `The same traced run in other ways, interleaved with the one above run by run (median ms since start, "+" since the previous phase):`,
    '',
    `| phase | ${vs.map((v) => v.label).join(' | ')} |`,
    `| --- |${vs.map(() => ' ---: |').join('')}`,
    `| bare runtime ready (\`-e\`) | ${vs.map((v) => fmt(v.node?.ready?.median)).join(' | ')} |`,
    ...names.map((phase) => `| ${phase} | ${vs.map((v) => cell(v, phase)).join(' | ')} |`),
    `| process gone (wall) | ${vs.map((v) => fmt(v.wall?.median)).join(' | ')} |`,
  ];
  for (const v of vs) if (v.error || v.failures) out.push('', `- ${v.label}: ${v.failures ?? ''} failed run(s); ${clean(v.lastError ?? v.error)}`);
  return out;
}

function trace(tr, nodeBaseline) {
  const nb = tr.node ?? nodeBaseline;
  const out = [
    `## 6. Where the time goes in \`skiff run --rm ${CONFIG.image} true\` (SKIFF_TRACE=1; median of ${CONFIG.traceRuns}; ms since the skiff process started)`,
    '',
    '| phase | at (median) | since previous | p90 |',
    '| --- | ---: | ---: | ---: |',
    `| runtime baseline, run beside each traced run: a bare \`${nb?.node ? nb.node.split('/').pop() : 'node'} -e\` ready to run its script | ${fmt(nb?.ready?.median)} | | ${fmt(nb?.ready?.p90)} |`,
    `| … and gone (its whole wall time) | ${fmt(nb?.median)} | | ${fmt(nb?.p90)} |`,
  ];
  if (tr.error) return [...out, `| skipped: ${clean(tr.error)} | | | |`, ''];
  let prev = 0;
  for (const ph of tr.phases) {
    out.push(`| ${ph.phase}${ph.seen < CONFIG.traceRuns ? ` (in ${ph.seen} of ${CONFIG.traceRuns} runs)` : ''} | ${fmt(ph.median)} | ${fmt(ph.median - prev)} | ${fmt(ph.p90)} |`);
    prev = ph.median;
  }
  out.push(`| process gone (wall time, measured by the bench) | ${fmt(tr.wall?.median)} | ${fmt(tr.wall?.median - prev)} | ${fmt(tr.wall?.p90)} |`);
  return [...out, ...traceSummary(tr, nb), ...variantTable(tr), ...spans(tr), ''];
}

function commands(c) {
  const out = [
    `## 7. Commands that run no container (ms; median of ${CONFIG.runs} after ${CONFIG.warmup} warm-up, all interleaved; "+" over the bare runtime)`,
    '',
  ];
  if (c.error) return [...out, `skipped: ${clean(c.error)}`, ''];
  out.push(`| command | ${c.variants.map((v) => `${v.label}: median | +`).join(' | ')} |`, `| --- |${c.variants.map(() => ' ---: | ---: |').join('')}`);
  for (const [key, , label] of COMMANDS) {
    const cells = c.variants.map((v) => {
      const s = v.rows[key];
      const bare = v.rows.bare?.median;
      if (!s || s.error) return `failed: ${clean(s?.error ?? 'not run', 80)} | `;
      return `${fmt(s.median)} | ${key === 'bare' ? '' : fmt(s.median - bare)}`;
    });
    out.push(`| ${key === 'bare' ? `\`${c.variants[0].runtime}\`/\`node\` ${label}` : label} | ${cells.join(' | ')} |`);
  }
  return [...out, ''];
}

function api(a) {
  const out = [
    `## 9. Docker Engine API service: memory and request latency (ms; ping ${PING_RUNS} requests on one kept-alive connection; create + start + wait of \`true\` ${CONFIG.runs} runs after ${CONFIG.warmup} warm-up, the removal untimed)`,
    '',
    '| service | RSS idle (MiB) | RSS after (MiB) | ping median | ping p90 | create+start+wait median | p90 | min | max |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [key, label] of [['skiff', '**skiff system service**'], ['podman', 'podman system service']]) {
    const x = a[key];
    if (!x || x.error) out.push(`| ${label} | skipped: ${clean(x?.error ?? 'not run', 160)} | | | | | | | |`);
    else out.push(`| ${label}${x.version ? ` (${x.version})` : ''} | ${fmt(x.rssIdleMiB)} | ${fmt(x.rssAfterMiB)} | ${fmt(x.ping.median)} | ${fmt(x.ping.p90)} | ${fmt(x.run.median)} | ${fmt(x.run.p90)} | ${fmt(x.run.min)} | ${fmt(x.run.max)} |`);
  }
  out.push('', `Everyday endpoints on one running container (median / p90 ms, ${CONFIG.runs} runs after ${CONFIG.warmup} warm-up):`, '', '| endpoint | skiff median | skiff p90 | podman median | podman p90 |', '| --- | ---: | ---: | ---: | ---: |');
  for (const [label] of ENDPOINTS) {
    const cell = (x) => {
      const t = x?.endpoints?.[label];
      if (!t) return 'not run | ';
      if (t.error) return `${clean(t.error, 60)} | `;
      return `${fmt(t.median)} | ${fmt(t.p90)}`;
    };
    out.push(`| ${label} | ${cell(a.skiff)} | ${cell(a.podman)} |`);
  }
  out.push('', 'Both on private state roots in the run\'s temp dir; podman with `--storage-driver overlay --cgroup-manager cgroupfs --runtime runc` and its containers with nofile/nproc limits of 1024 (runc on this host needs them), on a busybox image imported from the same root filesystem.', '');
  return out;
}

function network(n) {
  const out = [`## 10. Networking: \`run --rm ${CONFIG.image} true\` on the default bridge and with --network none (interleaved, median of ${n.bridge?.runs ?? CONFIG.runs})`, '', '| | median (ms) | p90 (ms) |', '| --- | ---: | ---: |'];
  if (n.error) out.push(`| all | skipped: ${clean(n.error)} | |`);
  else {
    out.push(`| \`--network none\` | ${fmt(n.none.median)} | ${fmt(n.none.p90)} |`, `| \`--network bridge\` (veth, address, namespace) | ${fmt(n.bridge.median)} | ${fmt(n.bridge.p90)} |`);
    out.push('', `The bridge costs ${fmt(n.extraMs)} ms a run. DNS responder of a user network (skiff-dns, ${n.dns?.containers ?? 0} containers): ${n.dns?.error ? `not measured: ${clean(n.dns.error)}` : `${n.dns.rssKiB} KiB resident`}.`);
  }
  out.push('');
  return out;
}

function notes(results) {
  return [
    '## Notes',
    '',
    ...results.notes.map((n) => `- ${n}`),
    ...Object.entries(results.skipped).map(([what, why]) => `- skipped ${what}: ${why}`),
    `- cleanup: ${results.cleanup.summary}`,
  ];
}

function managers(m) {
  const out = [`## 8. skiff as an OCI runtime under real managers: \`ctr run --rm\` and \`podman run --rm\` of \`true\`, end to end (ms; ${m.runs} runs each, interleaved)`, ''];
  if (m.error) return [...out, `skipped: ${clean(m.error)}`, ''];
  out.push('| manager | runtime | median | p90 | min | max |', '| --- | --- | ---: | ---: | ---: | ---: |');
  for (const manager of ['containerd', 'podman']) {
    const rows = m[manager];
    if (!rows) continue;
    if (rows.error) {
      out.push(`| ${manager} | skipped: ${clean(rows.error)} | | | | |`);
      continue;
    }
    for (const [runtime, s] of Object.entries(rows)) {
      if (s?.error) out.push(`| ${manager} | ${runtime}: failed: ${clean(s.error)} | | | | |`);
      else if (s) out.push(`| ${manager} | ${runtime} | ${fmt(s.median)} | ${fmt(s.p90)} | ${fmt(s.min)} | ${fmt(s.max)} |`);
    }
  }
  out.push('', `skiff-runc: ${m.skiffRunc}. containerd's shim calls the runtime 4 times per \`ctr run --rm\` (create, start, delete twice), conmon 3: each pays the runtime's start.`, '');
  return out;
}

/** The whole report for `results` (see run.mjs for its shape). */
export function report(results) {
  const sections = [
    ['latency', latency],
    ['throughput', throughput],
    ['memory', memory],
    ['volume', volume],
    ['stdio', stdio],
    ['trace', (tr) => trace(tr, results.nodeBaseline)],
    ['commands', commands],
    ['managers', managers],
    ['api', api],
    ['network', network],
  ];
  const lines = header(results.machine);
  for (const [key, render] of sections) if (results[key]) lines.push(...render(results[key]));
  lines.push(...notes(results));
  return lines.join('\n');
}
