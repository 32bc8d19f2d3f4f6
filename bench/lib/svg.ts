/** Hand-written SVG charts (grouped bars, lines): no dependencies, readable in any browser or Git viewer. */

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1'];
const FONT = 'font-family="Helvetica, Arial, sans-serif"';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  if (Number.isInteger(v) || Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export interface BarGroup {
  label: string;
  values: number[];
}

export interface BarChart {
  title: string;
  unit: string;
  series: string[];
  groups: BarGroup[];
  /** A horizontal reference line (a target). */
  line?: { value: number; label: string };
}

export function barChart(c: BarChart): string {
  const w = 760;
  const h = 340;
  const left = 70;
  const right = 20;
  const top = 50;
  const bottom = 70;
  const plotW = w - left - right;
  const plotH = h - top - bottom;
  const all = c.groups.flatMap((g) => g.values).filter(Number.isFinite);
  const max = niceMax(Math.max(...all, c.line?.value ?? 0) * 1.05);
  const y = (v: number): number => top + plotH - (plotH * Math.max(0, v)) / max;
  const groupW = plotW / Math.max(1, c.groups.length);
  const barW = Math.min(40, (groupW * 0.8) / Math.max(1, c.series.length));
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ${FONT} font-size="12">`);
  out.push(`<rect width="${w}" height="${h}" fill="white"/>`);
  out.push(`<text x="${w / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(c.title)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const v = (max * i) / 5;
    out.push(`<line x1="${left}" x2="${w - right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
  }
  out.push(`<text x="16" y="${top + plotH / 2}" transform="rotate(-90 16 ${top + plotH / 2})" text-anchor="middle">${esc(c.unit)}</text>`);
  c.groups.forEach((g, gi) => {
    const gx = left + gi * groupW + (groupW - barW * c.series.length) / 2;
    g.values.forEach((v, si) => {
      if (!Number.isFinite(v)) return;
      const x = gx + si * barW;
      out.push(`<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${(top + plotH - y(v)).toFixed(1)}" fill="${COLORS[si % COLORS.length]}"><title>${esc(`${g.label} ${c.series[si] ?? ''}: ${fmt(v)} ${c.unit}`)}</title></rect>`);
      if (c.groups.length * c.series.length <= 24) out.push(`<text x="${(x + barW / 2 - 1).toFixed(1)}" y="${(y(v) - 3).toFixed(1)}" text-anchor="middle" font-size="10">${fmt(v)}</text>`);
    });
    out.push(`<text x="${left + gi * groupW + groupW / 2}" y="${top + plotH + 16}" text-anchor="middle">${esc(g.label)}</text>`);
  });
  if (c.line) {
    out.push(`<line x1="${left}" x2="${w - right}" y1="${y(c.line.value)}" y2="${y(c.line.value)}" stroke="#c00" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${w - right}" y="${y(c.line.value) - 4}" text-anchor="end" fill="#c00">${esc(c.line.label)}</text>`);
  }
  c.series.forEach((s, si) => {
    const x = left + si * 170;
    out.push(`<rect x="${x}" y="${h - 24}" width="12" height="12" fill="${COLORS[si % COLORS.length]}"/>`);
    out.push(`<text x="${x + 16}" y="${h - 14}">${esc(s)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

export interface LineSeries {
  label: string;
  points: Array<[number, number]>;
}

export interface LineChart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  line?: { value: number; label: string };
  /** Force the y axis to start at 0 (default true). */
  zeroBased?: boolean;
}

export function lineChart(c: LineChart): string {
  const w = 760;
  const h = 340;
  const left = 70;
  const right = 20;
  const top = 50;
  const bottom = 70;
  const plotW = w - left - right;
  const plotH = h - top - bottom;
  const xs = c.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = c.series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  const xMin = Math.min(...xs, 0);
  const xMax = niceMax(Math.max(...xs, 1));
  const yMax = niceMax(Math.max(...ys, c.line?.value ?? 0) * 1.05);
  const yMin = 0;
  const x = (v: number): number => left + (plotW * (v - xMin)) / (xMax - xMin || 1);
  const y = (v: number): number => top + plotH - (plotH * (v - yMin)) / (yMax - yMin || 1);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ${FONT} font-size="12">`);
  out.push(`<rect width="${w}" height="${h}" fill="white"/>`);
  out.push(`<text x="${w / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(c.title)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const v = yMin + ((yMax - yMin) * i) / 5;
    out.push(`<line x1="${left}" x2="${w - right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
    const xv = xMin + ((xMax - xMin) * i) / 5;
    out.push(`<text x="${x(xv)}" y="${top + plotH + 16}" text-anchor="middle">${fmt(xv)}</text>`);
  }
  out.push(`<line x1="${left}" x2="${w - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#888"/>`);
  out.push(`<text x="${left + plotW / 2}" y="${top + plotH + 34}" text-anchor="middle">${esc(c.xLabel)}</text>`);
  out.push(`<text x="16" y="${top + plotH / 2}" transform="rotate(-90 16 ${top + plotH / 2})" text-anchor="middle">${esc(c.yLabel)}</text>`);
  c.series.forEach((s, si) => {
    const color = COLORS[si % COLORS.length];
    const d = s.points.filter((p) => Number.isFinite(p[1])).map((p, i) => `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const p of s.points) if (s.points.length <= 60 && Number.isFinite(p[1])) out.push(`<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="2.5" fill="${color}"/>`);
    const lx = left + si * 190;
    out.push(`<rect x="${lx}" y="${h - 20}" width="12" height="12" fill="${color}"/>`);
    out.push(`<text x="${lx + 16}" y="${h - 10}">${esc(s.label)}</text>`);
  });
  if (c.line) {
    out.push(`<line x1="${left}" x2="${w - right}" y1="${y(c.line.value)}" y2="${y(c.line.value)}" stroke="#c00" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${w - right}" y="${y(c.line.value) - 4}" text-anchor="end" fill="#c00">${esc(c.line.label)}</text>`);
  }
  out.push('</svg>');
  return out.join('\n');
}
