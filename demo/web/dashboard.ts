/**
 * The live dashboard: host samples (metrics:hosts/*) and alerts (metrics:alerts) as protobuf,
 * decoded with the generated types. Charts update in place. On a reload the page restores what it
 * had drawn and resumes from the last sequence it saw: the gateway replays what it missed.
 */
import { JetgateClient, type Position, type Publication } from '../../client/index.js';
import { dashboard } from '../../proto/gen/examples.js';
import { LineChart } from './chart.js';
import { $, clock, el, loadConfig, newClient, showConnection } from './common.js';

const HostSample = dashboard.v1.HostSample;
const Alert = dashboard.v1.Alert;
const Severity = dashboard.v1.Severity;
const WINDOW_MS = 120_000;
const SAVE_KEY = 'jetgate-demo-dashboard';
const COLORS = ['#4f8cff', '#2ec4b6', '#ff9f1c', '#e76f51', '#a06cd5', '#8ac926', '#ff5d8f', '#00b4d8'];

interface Saved {
  savedAt: number;
  positions: Record<string, Position>;
  charts: Record<string, ReturnType<LineChart['dump']>>;
  alerts: dashboard.v1.Alert.$Properties[];
}

/** A labelled percentage bar (CPU, memory): the label, the bar and the value, read out as a meter. */
class Meter {
  readonly root: HTMLElement;
  private readonly fill: HTMLElement;
  private readonly value: HTMLElement;

  constructor(metric: string, label: string, private readonly mid: number, private readonly high: number) {
    this.root = el('div', 'meter');
    this.root.dataset.metric = metric;
    this.root.setAttribute('role', 'meter');
    this.root.setAttribute('aria-label', label);
    this.root.setAttribute('aria-valuemin', '0');
    this.root.setAttribute('aria-valuemax', '100');
    const track = el('span', 'track');
    this.fill = el('i');
    track.append(this.fill);
    this.value = el('strong', 'value', '–');
    this.root.append(el('span', 'label', label), track, this.value);
  }

  set(percent: number): void {
    const text = `${percent.toFixed(0)}%`;
    this.value.textContent = text;
    this.root.setAttribute('aria-valuenow', percent.toFixed(0));
    this.root.setAttribute('aria-valuetext', text);
    this.fill.style.width = `${Math.min(100, Math.max(0, percent))}%`;
    this.fill.dataset.level = percent > this.high ? 'high' : percent > this.mid ? 'mid' : 'ok';
  }
}

class HostCard {
  readonly root: HTMLElement;
  private readonly cpu = new Meter('cpu', 'CPU', 65, 85);
  private readonly mem = new Meter('memory', 'Memory', 75, 90);
  private readonly rps: HTMLElement;
  private readonly lat: HTMLElement;
  readonly spark: LineChart;

  constructor(readonly host: string, region: string, readonly color: string) {
    this.root = el('article', 'host');
    this.root.dataset.host = host;
    const head = el('header');
    const dot = el('span', 'dot');
    dot.style.background = color;
    head.append(dot, el('h3', '', host), el('span', 'region', region));
    const meters = el('div', 'meters');
    meters.append(this.cpu.root, this.mem.root);
    const stats = el('div', 'stats');
    const stat = (metric: string, label: string) => {
      const box = el('div', 'stat');
      box.dataset.metric = metric;
      const v = el('strong', 'value', '–');
      box.append(el('span', 'label', label), v);
      stats.append(box);
      return v;
    };
    this.rps = stat('rps', 'Requests / s');
    this.lat = stat('p95', 'p95 latency');
    const canvas = el('canvas', 'spark');
    this.spark = new LineChart(canvas, { windowMs: WINDOW_MS, yMax: 100, fill: true });
    this.root.append(head, meters, stats, canvas);
  }

  update(s: dashboard.v1.HostSample): void {
    this.cpu.set(s.cpuPercent);
    this.mem.set(s.memoryPercent);
    this.rps.textContent = Math.round(s.requestsPerSecond).toLocaleString();
    this.lat.textContent = `${Math.round(s.p95LatencyMs).toLocaleString()} ms`;
    this.root.classList.toggle('hot', s.cpuPercent > 85 || s.p95LatencyMs > 400);
    this.spark.add('cpu', s.timeMs, s.cpuPercent, this.color);
  }
}

async function main(): Promise<void> {
  const cfg = await loadConfig();
  // ?shared=1: the tabs of this browser share one connection (the SDK's shared mode).
  const client = new URLSearchParams(location.search).has('shared')
    ? new JetgateClient({ url: cfg.gatewayUrl, format: 'proto', name: 'jetgate-demo-dashboard', shared: { worker: '/assets/jetgate-worker.min.js' } })
    : newClient(cfg, 'jetgate-demo-dashboard');
  showConnection(client, $('#conn'));
  const rpsChart = new LineChart($<HTMLCanvasElement>('#rps-chart'), { windowMs: WINDOW_MS, axes: true });
  const latChart = new LineChart($<HTMLCanvasElement>('#latency-chart'), { windowMs: WINDOW_MS, axes: true, unit: '' });
  const hosts = new Map<string, HostCard>();
  const latest = new Map<string, dashboard.v1.HostSample>();
  const alerts = new Map<string, dashboard.v1.Alert.$Properties>();
  const legend = $('#legend');

  const card = (host: string, region: string): HostCard => {
    let c = hosts.get(host);
    if (!c) {
      c = new HostCard(host, region, COLORS[hosts.size % COLORS.length]!);
      hosts.set(host, c);
      const sorted = [...hosts.values()].sort((a, b) => a.host.localeCompare(b.host));
      $('#hosts').replaceChildren(...sorted.map((h) => h.root));
      legend.replaceChildren(...sorted.map((h) => {
        const item = el('span', 'legend-item', h.host);
        item.style.setProperty('--c', h.color);
        return item;
      }));
    }
    return c;
  };

  let replayed = 0;
  let resumeAt = 0;
  const onSample = (p: Publication) => {
    if (p.type !== 'dashboard.v1.HostSample' || !p.data) return;
    const s = HostSample.decode(p.data);
    const c = card(s.host, s.region);
    c.update(s);
    latest.set(s.host, s);
    rpsChart.add(s.host, s.timeMs, s.requestsPerSecond, c.color);
    latChart.add(s.host, s.timeMs, s.p95LatencyMs, c.color);
    if (resumeAt && p.seq <= resumeAt) replayed++;
    renderKpis();
    $('#last-update').textContent = `Last sample ${clock(s.timeMs)} · seq ${p.seq}`;
  };

  const renderKpis = () => {
    const all = [...latest.values()];
    if (!all.length) return;
    const sum = (f: (s: dashboard.v1.HostSample) => number) => all.reduce((a, s) => a + f(s), 0);
    $('#kpi-rps').textContent = Math.round(sum((s) => s.requestsPerSecond)).toLocaleString();
    $('#kpi-cpu').textContent = `${(sum((s) => s.cpuPercent) / all.length).toFixed(0)}%`;
    $('#kpi-p95').textContent = `${Math.round(Math.max(...all.map((s) => s.p95LatencyMs))).toLocaleString()} ms`;
    const req = sum((s) => s.requestsPerSecond);
    $('#kpi-err').textContent = `${((sum((s) => s.errorRate * s.requestsPerSecond) / (req || 1)) * 100).toFixed(2)}%`;
  };

  const renderAlerts = () => {
    const list = [...alerts.values()].sort((a, b) => (a.resolvedMs ? 1 : 0) - (b.resolvedMs ? 1 : 0) || Number(b.raisedMs) - Number(a.raisedMs)).slice(0, 30);
    const firing = list.filter((a) => !a.resolvedMs).length;
    $('#kpi-alerts').textContent = String(firing);
    $('#kpi-alerts').parentElement!.dataset.level = firing ? 'high' : 'ok';
    $('#alerts').replaceChildren(...(list.length ? list.map((a) => {
      const li = el('li', `alert ${a.resolvedMs ? 'resolved' : a.severity === Severity.SEVERITY_CRITICAL ? 'critical' : 'warning'}`);
      li.append(el('span', 'sev', a.resolvedMs ? 'resolved' : a.severity === Severity.SEVERITY_CRITICAL ? 'critical' : 'warning'),
        el('span', 'summary', a.summary ?? ''), el('time', '', a.resolvedMs ? `${clock(Number(a.raisedMs))} → ${clock(Number(a.resolvedMs))}` : `since ${clock(Number(a.raisedMs))}`));
      return li;
    }) : [el('li', 'empty', 'All clear: no alerts in the last hour.')]));
  };

  const onAlert = (p: Publication) => {
    if (p.type !== 'dashboard.v1.Alert' || !p.data) return;
    const a = Alert.decode(p.data);
    alerts.set(a.id, a.toJSON() as dashboard.v1.Alert.$Properties);
    renderAlerts();
  };

  // Resume: what the page drew before the reload, and where each channel stood.
  let saved: Saved | undefined;
  try {
    saved = JSON.parse(sessionStorage.getItem(SAVE_KEY) ?? 'null') as Saved | undefined;
  } catch {
    saved = undefined;
  }
  if (saved && Date.now() - saved.savedAt > 10 * 60_000) saved = undefined;
  const samples = client.subscribe('metrics:hosts/*', {
    ...(saved?.positions['metrics:hosts/*'] ? { since: saved.positions['metrics:hosts/*'] } : { sinceTime: Date.now() - WINDOW_MS }),
    onPublication: onSample,
    onSubscribed: (info) => {
      const banner = $('#resume');
      if (saved?.positions['metrics:hosts/*'] && !resumeAt) {
        resumeAt = info.position.seq;
        banner.hidden = false;
        banner.dataset.kind = info.recovered ? 'ok' : 'warn';
        const from = saved.positions['metrics:hosts/*']!.seq;
        banner.textContent = info.recovered ? `Resumed after reload from seq ${from}: replaying what was missed…` : `Could not resume from seq ${from} (history trimmed): live from now.`;
        setTimeout(() => {
          if (info.recovered) banner.textContent = `Resumed after reload from seq ${from}: ${replayed} missed samples replayed, no gap.`;
        }, 800);
      }
    },
  });
  const alertSub = client.subscribe('metrics:alerts', {
    ...(saved?.positions['metrics:alerts'] ? { since: saved.positions['metrics:alerts'] } : { sinceTime: Date.now() - 3_600_000 }),
    onPublication: onAlert,
  });
  if (saved) {
    for (const [k, c] of Object.entries(saved.charts)) {
      if (k === 'rps') rpsChart.restore(c);
      else if (k === 'latency') latChart.restore(c);
      else if (k.startsWith('host:')) {
        const [, host = '', region = ''] = k.split(':');
        card(host, region).spark.restore(c);
      }
    }
    for (const a of saved.alerts) alerts.set(a.id ?? '', a);
    renderAlerts();
  }

  const save = () => {
    const positions: Record<string, Position> = {};
    if (samples.position) positions['metrics:hosts/*'] = samples.position;
    if (alertSub.position) positions['metrics:alerts'] = alertSub.position;
    const charts: Saved['charts'] = { rps: rpsChart.dump(), latency: latChart.dump() };
    for (const [host, c] of hosts) charts[`host:${host}:${latest.get(host)?.region ?? ''}`] = c.spark.dump();
    const data: Saved = { savedAt: Date.now(), positions, charts, alerts: [...alerts.values()].slice(-50) };
    sessionStorage.setItem(SAVE_KEY, JSON.stringify(data));
  };
  window.addEventListener('pagehide', save);
  setInterval(save, 2_000);
  client.on('connected', (info) => ($('#node').textContent = `gateway ${info.node}`));
  renderAlerts();
  await client.connect();
}

void main();
