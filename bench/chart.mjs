// One SVG chart per benchmark group (bench/charts/<group>.svg), written by
// run.mjs next to results.md. Plain SVG text, no dependencies.
//
// Each row of the group is a section: its title, the target and the result on
// one line, then one horizontal bar per implementation, ours highlighted, all
// as ratios to the row's baseline (so the baseline's bar ends on the 1.0x
// line, marked across the chart); the ratio and the measured value of each bar
// stand in a column right of the plot; a dashed red line marks the row's
// target. A row shows ours and its baseline, or the bars it lists (row.bars:
// several peers of one measurement); rows with chart: false are left out. The
// scale is linear from zero when the ratios of the group span less than a
// factor 12, otherwise logarithmic (bars then start at the left edge).

const W = 1000;
const LABEL_X = 362; // right edge of the bar names
const X0 = 372; // plot area
const X1 = 792;
const BAR_H = 14;
const BAR_STEP = 20;
const TITLE_H = 22;
const SECTION_GAP = 14;
const TOP = 112; // first section
const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Helvetica, Arial, sans-serif";
const COLORS = {
  ours: '#0969da',
  other: '#b1bac4',
  text: '#1f2328',
  muted: '#59636e',
  grid: '#e1e4e8',
  one: '#1f2328',
  target: '#cf222e',
  pass: '#1a7f37',
  fail: '#cf222e',
  below: '#9a6700',
  info: '#59636e',
};

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Cut `s` to about `maxPx` pixels of text at `charPx` per character. */
function fit(s, maxPx, charPx) {
  const max = Math.max(4, Math.floor(maxPx / charPx));
  return s.length <= max ? s : `${s.slice(0, max - 1).trimEnd()}\u2026`;
}

/** A measured value in few characters: 5.19 M, 52.4 k, 20.2, 2.15. */
export function compact(x) {
  if (x == null || !Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toFixed(2)} G`;
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(1)} k`;
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function ratioText(r) {
  if (r >= 100) return `${r.toFixed(0)}x`;
  if (r >= 10) return `${r.toFixed(1)}x`;
  return `${r.toFixed(2)}x`;
}

function tickText(v) {
  if (v >= 1) return `${+v.toPrecision(3)}x`;
  return `${+v.toPrecision(2)}x`;
}

/** Lower is better for times, higher for throughputs (as the targets of run.mjs). */
function lowerIsBetter(r) {
  if (r.target?.maxRatio != null) return true;
  if (r.target?.minRatio != null) return false;
  return /^(ns|us|µs|ms|s)\b/.test(r.unit);
}

function barsOf(r) {
  if (r.error || r.baseline == null || !(r.baseline > 0)) return [];
  const list = r.bars ?? [
    { name: 'ours', value: r.ours, ours: true },
    { name: r.baselineName ?? 'baseline', value: r.baseline },
  ];
  return list.filter((b) => b.value != null && Number.isFinite(b.value) && b.value > 0)
    .map((b) => ({ ...b, ratio: b.value / r.baseline }));
}

function targetLines(t) {
  if (!t) return [];
  if (t.minRatio != null) return [{ at: t.minRatio, main: true }, ...(t.floor != null ? [{ at: t.floor, main: false }] : [])];
  return [{ at: t.maxRatio, main: true }];
}

function verdict(r) {
  const t = r.target;
  const tt = !t ? '' : t.minRatio != null ? `target \u2265 ${t.minRatio}x${t.floor != null ? ` (floor ${t.floor}x)` : ''}` : `target ${t.strict ? '<' : '\u2264'} ${t.maxRatio}x`;
  if (r.error) return { text: t ? `${tt}: FAIL (error)` : 'error', color: COLORS.fail };
  if (!t || r.pass == null) return { text: 'information', color: COLORS.info };
  if (r.pass) return { text: `${tt}: pass`, color: COLORS.pass };
  if (t.floor != null && r.floorPass) return { text: `${tt}: below target (floor ok)`, color: COLORS.below };
  return { text: `${tt}: FAIL`, color: COLORS.fail };
}

/** Linear from 0, or log when the ratios span a factor of 12 or more. */
function makeScale(values) {
  const lo = Math.min(1, ...values);
  const hi = Math.max(1, ...values);
  if (hi / lo < 12) {
    const raw = (hi * 1.08) / 6;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
    const max = Math.ceil((hi * 1.04) / step) * step;
    const ticks = [];
    for (let v = 0; v <= max + step / 1e6; v += step) ticks.push(+v.toPrecision(6));
    return { kind: 'linear', x: (v) => X0 + ((X1 - X0) * Math.min(v, max)) / max, origin: X0, ticks };
  }
  const lmin = Math.log10(lo / 1.5);
  const lmax = Math.log10(hi * 1.5);
  const decades = lmax - lmin;
  const mults = decades <= 3.5 ? [1, 2, 5] : [1];
  const ticks = [];
  for (let e = Math.floor(lmin); e <= Math.ceil(lmax); e++) {
    for (const m of mults) {
      const v = m * 10 ** e;
      const lv = Math.log10(v);
      if (lv >= lmin - 1e-9 && lv <= lmax + 1e-9) ticks.push(+v.toPrecision(6));
    }
  }
  const x = (v) => X0 + ((X1 - X0) * (Math.log10(Math.max(v, 10 ** lmin)) - lmin)) / decades;
  return { kind: 'log', x, origin: X0, ticks };
}

/**
 * The SVG text of the chart of one group. rows: that group's rows (run.mjs);
 * env: the run's machine record (date, mode, cpu, cores, node).
 */
export function groupChart(group, rows, env) {
  const sections = rows.filter((r) => r.chart !== false).map((r) => ({ r, bars: barsOf(r) }));
  const values = sections.flatMap(({ r, bars }) => [...bars.map((b) => b.ratio), ...targetLines(r.target).map((t) => t.at)]);
  const scale = makeScale(values.length ? values : [1]);

  // Layout: the y of each section.
  let y = TOP;
  const placed = sections.map((s) => {
    const top = y;
    y += TITLE_H + Math.max(1, s.bars.length) * BAR_STEP + SECTION_GAP;
    return { ...s, top };
  });
  const plotTop = TOP - 12;
  const plotBottom = y - SECTION_GAP + 4;
  const H = plotBottom + 22;

  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT}" font-size="12">`);
  out.push(`<title>native-threading benchmarks, group ${esc(group)}: ratios to the baseline</title>`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="16" y="26" font-size="16" font-weight="600" fill="${COLORS.text}">native-threading benchmarks: ${esc(group)}</text>`);
  const machine = [env?.mode ? `${env.mode} run` : null, env?.date ? env.date.slice(0, 10) : null,
    env?.cpu ? `${env.cpu}${env.cores ? `, ${env.cores} cores` : ''}` : null, env?.node ? `Node ${env.node}` : null].filter(Boolean).join(' \u00b7 ');
  out.push(`<text x="16" y="45" fill="${COLORS.muted}">${esc(fit(`Ratio to the baseline (ours / baseline, same run), ${scale.kind} scale${machine ? ` \u00b7 ${machine}` : ''}`, W - 32, 6.2))}</text>`);

  // Legend.
  const ly = 64;
  out.push(`<rect x="16" y="${ly - 10}" width="22" height="11" fill="${COLORS.ours}"/><text x="44" y="${ly}" fill="${COLORS.text}">ours (native-threading)</text>`);
  out.push(`<rect x="196" y="${ly - 10}" width="22" height="11" fill="${COLORS.other}"/><text x="224" y="${ly}" fill="${COLORS.text}">baseline / peers</text>`);
  out.push(`<line x1="346" y1="${ly - 12}" x2="346" y2="${ly + 3}" stroke="${COLORS.one}" stroke-width="2"/><text x="354" y="${ly}" fill="${COLORS.text}">1.0x = baseline</text>`);
  out.push(`<line x1="470" y1="${ly - 12}" x2="470" y2="${ly + 3}" stroke="${COLORS.target}" stroke-width="2" stroke-dasharray="4 3"/><text x="478" y="${ly}" fill="${COLORS.text}">target</text>`);
  out.push(`<text x="540" y="${ly}" fill="${COLORS.muted}">times: shorter bar is better \u00b7 throughputs: longer bar is better</text>`);

  // Grid, ticks, the 1.0x line.
  for (const t of scale.ticks) {
    const x = scale.x(t).toFixed(1);
    out.push(`<line x1="${x}" y1="${plotTop}" x2="${x}" y2="${plotBottom}" stroke="${COLORS.grid}" stroke-width="1"/>`);
    out.push(`<text x="${x}" y="${plotTop - 6}" text-anchor="middle" font-size="11" fill="${COLORS.muted}">${esc(tickText(t))}</text>`);
  }
  for (const yy of [plotBottom]) {
    for (const t of scale.ticks) out.push(`<text x="${scale.x(t).toFixed(1)}" y="${yy + 14}" text-anchor="middle" font-size="11" fill="${COLORS.muted}">${esc(tickText(t))}</text>`);
  }

  const targets = []; // drawn over the 1.0x line
  const texts = []; // the values, in a column right of the plot
  for (const { r, bars, top } of placed) {
    const v = verdict(r);
    const hint = `${r.unit}, ${lowerIsBetter(r) ? 'lower' : 'higher'} is better`;
    const vw = v.text.length * 6.6;
    out.push(`<text x="16" y="${top + 14}" fill="${COLORS.text}"><tspan font-weight="600">${esc(fit(r.benchmark, W - 64 - vw - hint.length * 6.2, 7))}</tspan>` +
      `<tspan dx="5" fill="${COLORS.muted}">\u00b7 ${esc(hint)}</tspan></text>`);
    out.push(`<text x="${W - 16}" y="${top + 14}" text-anchor="end" font-weight="600" fill="${v.color}">${esc(v.text)}</text>`);
    const by = top + TITLE_H;
    if (!bars.length) {
      const why = r.error ? `not measured: ${r.error}`
        : `no baseline measured (peer missing or skipped); ours ${compact(r.ours)} ${r.unit}`;
      out.push(`<text x="${X0}" y="${by + 11}" font-style="italic" fill="${COLORS.muted}">${esc(fit(why, W - X0 - 16, 6.2))}</text>`);
      continue;
    }
    bars.forEach((b, i) => {
      const yb = by + i * BAR_STEP;
      const xe = Math.max(scale.x(b.ratio), scale.origin + 1);
      const color = b.ours ? COLORS.ours : COLORS.other;
      out.push(`<text x="${LABEL_X}" y="${yb + 11}" text-anchor="end" fill="${b.ours ? COLORS.ours : COLORS.text}"${b.ours ? ' font-weight="600"' : ''}>${esc(fit(b.name, LABEL_X - 20, 6.3))}</text>`);
      out.push(`<rect x="${scale.origin}" y="${yb}" width="${(xe - scale.origin).toFixed(1)}" height="${BAR_H}" fill="${color}"/>`);
      texts.push(`<text x="${X1 + 14}" y="${yb + 11}" fill="${COLORS.text}"><tspan font-weight="${b.ours ? 600 : 400}">${esc(ratioText(b.ratio))}</tspan>` +
        `<tspan dx="4" fill="${COLORS.muted}">(${esc(compact(b.value))} ${esc(r.unit)})</tspan></text>`);
    });
    for (const t of targetLines(r.target)) {
      const x = scale.x(t.at).toFixed(1);
      targets.push(`<line x1="${x}" y1="${by - 3}" x2="${x}" y2="${by + bars.length * BAR_STEP - 3}" stroke="${COLORS.target}" stroke-width="2" stroke-dasharray="${t.main ? '5 3' : '2 3'}"${t.main ? '' : ' opacity="0.6"'}/>`);
    }
  }
  // The 1.0x line over the bars, and the targets over it (a target of 1x stays visible).
  const x1 = scale.x(1).toFixed(1);
  out.push(`<line x1="${x1}" y1="${plotTop}" x2="${x1}" y2="${plotBottom}" stroke="${COLORS.one}" stroke-width="1.5"/>`);
  out.push(...targets);
  out.push(...texts);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
