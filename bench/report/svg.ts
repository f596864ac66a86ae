/** An SVG chart of p99 latency against offered load: one panel per fan-out scenario, one line per system. */
import type { Report } from './types.js';

const COLORS: Record<string, string> = { jetgate: '#d62728', nats: '#1f77b4', socketio: '#2ca02c', uws: '#9467bd' };
const W = 420, H = 280, PAD = { l: 56, r: 12, t: 28, b: 40 };
/** Latency axis: log scale, 0.1 ms to 10 s. */
const Y_MIN = 0.1, Y_MAX = 10_000;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function niceMax(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  return [1, 2, 2.5, 5, 10].map((k) => k * p).find((v) => v >= x) ?? 10 * p;
}

function panel(r: Report, id: string, ox: number, oy: number): string {
  const runs = r.fanout.filter((f) => f.scenario.id === id);
  const pts = runs.flatMap((f) => f.points.filter((p) => !p.saturation));
  const xMax = niceMax(Math.max(1, ...pts.map((p) => p.offered)));
  const iw = W - PAD.l - PAD.r, ih = H - PAD.t - PAD.b;
  const x = (v: number) => ox + PAD.l + (v / xMax) * iw;
  const y = (v: number) => {
    const c = Math.min(Y_MAX, Math.max(Y_MIN, v));
    return oy + PAD.t + ih - ((Math.log10(c) - Math.log10(Y_MIN)) / (Math.log10(Y_MAX) - Math.log10(Y_MIN))) * ih;
  };
  const g: string[] = [`<text x="${ox + W / 2}" y="${oy + 16}" text-anchor="middle" font-weight="bold">${esc(id)}</text>`];
  for (let v = Y_MIN; v <= Y_MAX; v *= 10) {
    g.push(`<line x1="${ox + PAD.l}" x2="${ox + W - PAD.r}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${ox + PAD.l - 4}" y="${y(v) + 4}" text-anchor="end">${v < 1 ? v : v.toLocaleString('en-US')}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const v = (xMax * i) / 4;
    g.push(`<text x="${x(v)}" y="${oy + H - PAD.b + 16}" text-anchor="middle">${v >= 1000 ? `${v / 1000}k` : v}</text>`);
  }
  g.push(`<text x="${ox + W / 2}" y="${oy + H - 6}" text-anchor="middle">offered deliveries/s</text>`,
    `<text transform="translate(${ox + 14},${oy + PAD.t + ih / 2}) rotate(-90)" text-anchor="middle">p99 latency (ms, log)</text>`);
  for (const f of runs) {
    const ps = f.points.filter((p) => !p.saturation);
    if (!ps.length) continue;
    const color = COLORS[f.system] ?? '#333';
    g.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${ps.map((p) => `${x(p.offered).toFixed(1)},${y(p.latency.p99).toFixed(1)}`).join(' ')}"/>`);
    for (const p of ps) {
      g.push(`<circle cx="${x(p.offered).toFixed(1)}" cy="${y(p.latency.p99).toFixed(1)}" r="3" fill="${p.sustained ? color : 'white'}" stroke="${color}"/>`);
    }
  }
  return g.join('\n');
}

export function chart(r: Report): string {
  const ids = [...new Set(r.fanout.map((f) => f.scenario.id))];
  const cols = Math.min(2, Math.max(1, ids.length));
  const rows = Math.ceil(ids.length / cols) || 1;
  const width = cols * W, height = rows * H + 30;
  const systems = [...new Set(r.fanout.map((f) => f.system))];
  const legend = systems.map((s, i) => `<rect x="${10 + i * 110}" y="${rows * H + 10}" width="12" height="12" fill="${COLORS[s] ?? '#333'}"/>` +
    `<text x="${26 + i * 110}" y="${rows * H + 21}">${esc(s)}</text>`).join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...ids.map((id, i) => panel(r, id, (i % cols) * W, Math.floor(i / cols) * H)),
    legend,
    `<text x="${width - 10}" y="${rows * H + 21}" text-anchor="end" fill="#666">open circle: rate not sustained</text>`,
    '</svg>',
    '',
  ].join('\n');
}
