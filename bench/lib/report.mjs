// Turns the rounds' raw figures into the tables and the target verdicts `npm run bench` prints.

const median = (xs) => {
  const s = xs.filter((x) => x !== undefined && x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sum = (xs) => xs.reduce((a, b) => a + (b ?? 0), 0);

/**
 * Median over rounds of each figure in `medians`; CPU per unit (request or stream, counted by
 * `unit`) from the totals, which quantises less than a median of per-round figures.
 */
function aggregate(rounds, unit, medians, extra = () => ({})) {
  if (!rounds?.length) return undefined;
  const count = sum(rounds.map((r) => r[unit]));
  const hasCpu = rounds.every((r) => r.cpuS !== undefined);
  return {
    ...Object.fromEntries(medians.map((k) => [k, median(rounds.map((r) => r[k]))])),
    ...extra(count),
    [unit]: count,
    cpuUs: hasCpu && count > 0 ? (sum(rounds.map((r) => r.cpuS)) / count) * 1e6 : undefined,
    rss: rounds.some((r) => r.rss !== undefined) ? Math.max(...rounds.map((r) => r.rss ?? 0)) : undefined,
    errors: sum(rounds.map((r) => r.errors)),
    errorSample: rounds.find((r) => r.errorSample)?.errorSample,
    rounds: rounds.length,
  };
}

export const aggregatePlain = (rounds) => aggregate(rounds, 'requests', ['rps', 'p50', 'p99']);

export const aggregateStream = (rounds) =>
  aggregate(rounds, 'streams', ['sps', 'ttfbP50', 'ttfbP99', 'totalP50', 'chunksPerS'], (streams) => ({
    chunksPerStream: streams > 0 ? sum(rounds.map((r) => r.chunks)) / streams : undefined,
  }));

/** The largest p99 ÷ p50 at the top connection level that is not a cliff. */
export const CLIFF_SPREAD = 3;

/** A Gatehouse scenario of the build under test (not a `--against` build's `name@dir` copy). */
const isUnderTest = (name) => name.startsWith('gatehouse') && !name.includes('@');

const ok = (x) => x !== undefined && x !== null && Number.isFinite(x);
const fInt = (x) => (ok(x) ? String(Math.round(x)) : '—');
const fMs = (x) => (ok(x) ? (x < 10 ? x.toFixed(3) : x < 100 ? x.toFixed(2) : x.toFixed(1)) : '—');
const fRatio = (a, b) => (ok(a) && ok(b) && b > 0 ? (a / b).toFixed(2) : '—');
const fAdded = (a, b) => (ok(a) && ok(b) ? `${a - b >= 0 ? '+' : ''}${(a - b).toFixed(3)}` : '—');
const fMb = (x) => (ok(x) ? x.toFixed(0) : '—');

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => '| ' + cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ') + ' |';
  const sep = '|' + widths.map((w, i) => (i < 2 ? ':' : '-') + '-'.repeat(w) + (i < 2 ? '-' : ':')).join('|') + '|';
  return [line(header), sep, ...rows.map(line)].join('\n');
}

function notes(agg, failure) {
  if (failure) return `FAILED: ${failure.length > 48 ? `${failure.slice(0, 48)}… (below)` : failure}`;
  if (!agg) return 'not measured';
  if (agg.errors > 0) return `${agg.errors} errors (${agg.errorSample ?? 'non-2xx/socket'})`;
  return '';
}

/** results: { [conns]: { [scenario]: aggregate } }; failures: { [scenario]: reason } */
export function plainTable(levels, scenarios, results, failures) {
  const header = ['conns', 'scenario', 'req/s', '÷bare', '÷direct', 'p50 ms', '÷bare', '÷direct', 'p99 ms', '÷bare', '÷direct', 'CPU µs/req', '÷bare', 'RSS MB', 'notes'];
  const rows = [];
  for (const c of levels) {
    const bare = results[c]?.['bare-proxy'];
    const direct = results[c]?.direct;
    for (const s of scenarios) {
      const a = results[c]?.[s.name];
      const fail = failures[s.name];
      if (!a) {
        rows.push([c, s.name, '—', '—', '—', '—', '—', '—', '—', '—', '—', '—', '—', '—', notes(a, fail)]);
        continue;
      }
      rows.push([
        c, s.name,
        fInt(a.rps), fRatio(a.rps, bare?.rps), fRatio(a.rps, direct?.rps),
        fMs(a.p50), fRatio(a.p50, bare?.p50), fRatio(a.p50, direct?.p50),
        fMs(a.p99), fRatio(a.p99, bare?.p99), fRatio(a.p99, direct?.p99),
        fInt(a.cpuUs), fRatio(a.cpuUs, bare?.cpuUs), fMb(a.rss), notes(a),
      ]);
    }
  }
  return table(header, rows);
}

export function streamTable(levels, scenarios, results, failures) {
  const header = ['conns', 'scenario', 'streams/s', '÷bare', 'TTFB p50 ms', '+direct ms', '+bare ms', 'TTFB p99 ms', '÷bare', 'chunks/s', '÷bare', '÷direct', 'CPU µs/stream', '÷bare', 'RSS MB', 'notes'];
  const rows = [];
  for (const c of levels) {
    const bare = results[c]?.['bare-proxy'];
    const direct = results[c]?.direct;
    for (const s of scenarios) {
      const a = results[c]?.[s.name];
      const fail = failures[s.name];
      if (!a) {
        rows.push([c, s.name, '—', '—', '—', '—', '—', '—', '—', '—', '—', '—', '—', '—', '—', notes(a, fail)]);
        continue;
      }
      rows.push([
        c, s.name,
        fInt(a.sps), fRatio(a.sps, bare?.sps),
        fMs(a.ttfbP50), fAdded(a.ttfbP50, direct?.ttfbP50), fAdded(a.ttfbP50, bare?.ttfbP50),
        fMs(a.ttfbP99), fRatio(a.ttfbP99, bare?.ttfbP99),
        fInt(a.chunksPerS), fRatio(a.chunksPerS, bare?.chunksPerS), fRatio(a.chunksPerS, direct?.chunksPerS),
        fInt(a.cpuUs), fRatio(a.cpuUs, bare?.cpuUs), fMb(a.rss), notes(a),
      ]);
    }
  }
  return table(header, rows);
}

/**
 * The issue's targets, from the same run. Throughput and CPU targets are read at `loadedConns`
 * (32: every core busy, no queueing in the pools); latency targets at one idle connection.
 */
export function targets({ plain, stream, failures, loadedConns = 32, rssLimitMb = 150 }) {
  const out = [];
  const verdict = (name, value, pass, missing) =>
    out.push({ name, value: missing ?? value, pass: missing ? null : pass });
  const P = (c, s) => plain[c]?.[s];
  const S = (c, s) => stream[c]?.[s];
  const why = (...names) => {
    for (const n of names) if (failures[n]) return `n/a: ${n} ${failures[n]}`;
    return 'n/a: not measured';
  };

  let g = P(loadedConns, 'gatehouse');
  let b = P(loadedConns, 'bare-proxy');
  verdict(
    `no-policy gateway CPU/req ≤ 1.2× bare proxy (plain, ${loadedConns} conns)`,
    ok(g?.cpuUs) && ok(b?.cpuUs) ? `${fInt(g.cpuUs)} vs ${fInt(b.cpuUs)} µs = ${fRatio(g.cpuUs, b.cpuUs)}×` : undefined,
    ok(g?.cpuUs) && ok(b?.cpuUs) && g.cpuUs <= 1.2 * b.cpuUs,
    ok(g?.cpuUs) && ok(b?.cpuUs) ? undefined : why('gatehouse', 'bare-proxy'),
  );
  verdict(
    `no-policy gateway throughput ≥ 85% of bare proxy (plain, ${loadedConns} conns)`,
    ok(g?.rps) && ok(b?.rps) ? `${fInt(g.rps)} vs ${fInt(b.rps)} req/s = ${((100 * g.rps) / b.rps).toFixed(0)}%` : undefined,
    ok(g?.rps) && ok(b?.rps) && g.rps >= 0.85 * b.rps,
    ok(g?.rps) && ok(b?.rps) ? undefined : why('gatehouse', 'bare-proxy'),
  );
  const gp = P(loadedConns, 'gatehouse-prod');
  verdict(
    `production set CPU/req ≤ 2× bare proxy (plain, ${loadedConns} conns)`,
    ok(gp?.cpuUs) && ok(b?.cpuUs) ? `${fInt(gp.cpuUs)} vs ${fInt(b.cpuUs)} µs = ${fRatio(gp.cpuUs, b.cpuUs)}×` : undefined,
    ok(gp?.cpuUs) && ok(b?.cpuUs) && gp.cpuUs <= 2 * b.cpuUs,
    ok(gp?.cpuUs) && ok(b?.cpuUs) ? undefined : why('gatehouse-prod', 'bare-proxy'),
  );
  const pk = P(loadedConns, 'portkey');
  // The floor's own ratio, for scale: the mock shares the proxies' core, so even the bare proxy's
  // lead over Portkey is smaller than their CPU per request would say.
  const pkFloor = ok(b?.rps) && ok(pk?.rps) ? `; bare proxy ${fRatio(b.rps, pk.rps)}×` : '';
  verdict(
    `≥ 10× Portkey's throughput (plain, ${loadedConns} conns)`,
    ok(g?.rps) && ok(pk?.rps) ? `${fInt(g.rps)} vs ${fInt(pk.rps)} req/s = ${fRatio(g.rps, pk.rps)}×${pkFloor}` : undefined,
    ok(g?.rps) && ok(pk?.rps) && g.rps >= 10 * pk.rps,
    ok(g?.rps) && ok(pk?.rps) ? undefined : why('portkey', 'gatehouse'),
  );
  g = P(1, 'gatehouse');
  const d = P(1, 'direct');
  verdict(
    'p50 added over direct ≤ 0.2 ms (plain, 1 idle conn)',
    ok(g?.p50) && ok(d?.p50) ? `${fMs(g.p50)} − ${fMs(d.p50)} = ${fAdded(g.p50, d.p50)} ms` : undefined,
    ok(g?.p50) && ok(d?.p50) && g.p50 - d.p50 <= 0.2,
    ok(g?.p50) && ok(d?.p50) ? undefined : why('gatehouse'),
  );
  const gs = S(1, 'gatehouse');
  const ds = S(1, 'direct');
  verdict(
    'streaming adds ≤ 0.5 ms to TTFB (p50, 1 conn)',
    ok(gs?.ttfbP50) && ok(ds?.ttfbP50) ? `${fMs(gs.ttfbP50)} − ${fMs(ds.ttfbP50)} = ${fAdded(gs.ttfbP50, ds.ttfbP50)} ms` : undefined,
    ok(gs?.ttfbP50) && ok(ds?.ttfbP50) && gs.ttfbP50 - ds.ttfbP50 <= 0.5,
    ok(gs?.ttfbP50) && ok(ds?.ttfbP50) ? undefined : why('gatehouse'),
  );
  // A cliff: some requests starve while others are served. With 256 closed-loop connections every
  // request queues behind the others, so a fair proxy's p99 stays within a small multiple of its
  // p50 (the bare proxy: 2.0-2.5×; Portkey 1.15 as installed: 11-13×).
  const top = Math.max(...Object.keys(plain).map(Number));
  if (top >= 256) {
    const bt = P(top, 'bare-proxy');
    const floor = ok(bt?.p99) && ok(bt?.p50) ? `; bare proxy ${fRatio(bt.p99, bt.p50)}×` : '';
    const names = Object.keys(plain[top] ?? {}).filter(isUnderTest);
    for (const name of names) {
      const a = P(top, name);
      const measured = ok(a?.p99) && ok(a?.p50) && a.p50 > 0;
      verdict(
        `no p99 cliff at ${top} connections: p99 ≤ ${CLIFF_SPREAD}× p50 (${name}, plain, median over rounds)`,
        measured ? `${fMs(a.p99)} ÷ ${fMs(a.p50)} ms = ${fRatio(a.p99, a.p50)}×${floor}` : undefined,
        measured && a.p99 <= CLIFF_SPREAD * a.p50,
        measured ? undefined : why(name),
      );
    }
  }
  let maxRss;
  let bareRss;
  for (const res of [plain, stream])
    for (const byName of Object.values(res))
      for (const [name, a] of Object.entries(byName)) {
        if (!ok(a?.rss)) continue;
        if (isUnderTest(name)) maxRss = Math.max(maxRss ?? 0, a.rss);
        else if (name === 'bare-proxy') bareRss = Math.max(bareRss ?? 0, a.rss);
      }
  verdict(
    `RSS ≤ ${rssLimitMb} MB under load (largest sample, any Gatehouse scenario)`,
    ok(maxRss) ? `${fMb(maxRss)} MB${ok(bareRss) ? `; bare proxy ${fMb(bareRss)} MB` : ''}` : undefined,
    ok(maxRss) && maxRss <= rssLimitMb,
    ok(maxRss) ? undefined : why('gatehouse'),
  );
  return out;
}

export function targetLines(list) {
  return list.map((t) => `- ${t.pass === null ? 'N/A ' : t.pass ? 'PASS' : 'FAIL'}  ${t.name}: ${t.value}`).join('\n');
}

/**
 * How fast this run's host was, against the full runs already in bench/RESULTS.md: straight to
 * the mock at `conns` connections (the plain table's `direct` row), as a share of the median of
 * the last `last` full runs. The ratios are what the targets judge, but a host much slower or
 * faster than usual moves them too (a busy neighbour costs a large heap more than a small one), so
 * the run says which kind of host it had. Undefined with fewer than 3 earlier runs to compare.
 */
export function hostLine(plain, resultsText, { conns = 32, last = 20 } = {}) {
  const now = plain[conns]?.direct?.rps;
  if (!ok(now)) return undefined;
  const row = new RegExp(`^\\| ${conns}\\s+\\| direct\\s+\\|\\s*(\\d+)`, 'm');
  const earlier = [];
  for (const section of resultsText.split(/^## /m)) {
    if (!/^[^\n]*— full run/.test(section)) continue;
    const m = row.exec(section);
    if (m) earlier.push(Number(m[1]));
  }
  const recent = earlier.slice(-last).sort((a, b) => a - b);
  if (recent.length < 3) return undefined;
  const median = recent[Math.floor(recent.length / 2)];
  return `- INFO  host: straight to the mock ${fInt(now)} req/s at ${conns} conns, ${((100 * now) / median).toFixed(0)}% of the median of the last ${recent.length} full runs in bench/RESULTS.md (${fInt(median)} req/s); a host far from its usual speed moves the ratios too`;
}
