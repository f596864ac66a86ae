/**
 * A small canvas line chart that updates in place: series of (time, value) points over a sliding
 * time window, redrawn at most once per animation frame. No dependencies.
 */
export interface ChartOptions {
  windowMs: number;
  /** Fixed top of the y axis; otherwise the largest value in view, rounded up. */
  yMax?: number;
  unit?: string;
  /** Show grid lines and labels (off for sparklines). */
  axes?: boolean;
  fill?: boolean;
}

interface Series {
  color: string;
  points: Array<[number, number]>;
}

export class LineChart {
  private readonly series = new Map<string, Series>();
  private pending = false;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly opts: ChartOptions) {
    new ResizeObserver(() => this.redraw()).observe(canvas);
  }

  add(key: string, time: number, value: number, color = '#4f8cff'): void {
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { color, points: [] }));
    const pts = s.points;
    // Replayed and live points arrive in order; keep the array sorted in case a resume overlaps.
    if (pts.length && pts[pts.length - 1]![0] >= time) return;
    pts.push([time, value]);
    const cut = time - this.opts.windowMs * 1.2;
    while (pts.length && pts[0]![0] < cut) pts.shift();
    this.redraw();
  }

  /** Points per series, for saving across a reload. */
  dump(): Record<string, Series> {
    return Object.fromEntries(this.series);
  }

  restore(saved: Record<string, Series>): void {
    for (const [k, s] of Object.entries(saved)) this.series.set(k, { color: s.color, points: [...s.points] });
    this.redraw();
  }

  private redraw(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  private draw(): void {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth;
    const h = c.clientHeight;
    if (!w || !h) return;
    if (c.width !== Math.round(w * dpr)) c.width = Math.round(w * dpr);
    if (c.height !== Math.round(h * dpr)) c.height = Math.round(h * dpr);
    const g = c.getContext('2d')!;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    let tMax = 0;
    let vMax = 0;
    for (const s of this.series.values()) {
      for (const [t, v] of s.points) {
        if (t > tMax) tMax = t;
        if (v > vMax) vMax = v;
      }
    }
    if (!tMax) return;
    const tMin = tMax - this.opts.windowMs;
    const yMax = this.opts.yMax ?? niceCeil(vMax * 1.1);
    const left = this.opts.axes ? 44 : 0;
    const bottom = this.opts.axes ? 18 : 0;
    const x = (t: number) => left + ((t - tMin) / this.opts.windowMs) * (w - left);
    const y = (v: number) => (h - bottom) - (v / yMax) * (h - bottom - 6);
    if (this.opts.axes) {
      g.font = '11px system-ui, sans-serif';
      g.fillStyle = '#7d8597';
      g.strokeStyle = 'rgba(125,133,151,0.18)';
      g.lineWidth = 1;
      for (let i = 0; i <= 4; i++) {
        const v = (yMax / 4) * i;
        g.beginPath();
        g.moveTo(left, Math.round(y(v)) + 0.5);
        g.lineTo(w, Math.round(y(v)) + 0.5);
        g.stroke();
        g.fillText(fmt(v) + (this.opts.unit ?? ''), 2, y(v) + 4);
      }
      for (let s = 0; s <= this.opts.windowMs / 1000; s += 30) {
        const t = tMax - s * 1000;
        g.fillText(s === 0 ? 'now' : `-${s}s`, x(t) - (s === 0 ? 22 : 12), h - 4);
      }
    }
    for (const s of this.series.values()) {
      const pts = s.points.filter(([t]) => t >= tMin - 2000);
      if (pts.length < 2) continue;
      g.beginPath();
      pts.forEach(([t, v], i) => (i ? g.lineTo(x(t), y(v)) : g.moveTo(x(t), y(v))));
      g.strokeStyle = s.color;
      g.lineWidth = this.opts.axes ? 1.8 : 1.5;
      g.lineJoin = 'round';
      g.stroke();
      if (this.opts.fill) {
        g.lineTo(x(pts[pts.length - 1]![0]), h - bottom);
        g.lineTo(x(pts[0]![0]), h - bottom);
        g.closePath();
        g.fillStyle = s.color + '22';
        g.fill();
      }
    }
  }
}

function niceCeil(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmt(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(v >= 10_000 ? 0 : 1)}k` : String(Math.round(v * 10) / 10);
}
