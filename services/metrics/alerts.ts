/**
 * Alerting on samples, pure: an alert is raised when a metric stays above its threshold for
 * `raiseAfter` samples in a row, and resolved once it is back under the threshold less a margin
 * (hysteresis, so a value hovering at the line does not flap).
 */
import { dashboard } from '../../proto/gen/examples.js';
import type { Filled, Sample } from './series.js';

type Alert = Filled<dashboard.v1.Alert.$Properties>;
type Metric = 'cpuPercent' | 'memoryPercent' | 'p95LatencyMs' | 'errorRate';

export interface Rule {
  metric: Metric;
  /** Name of the metric in alerts (the proto field). */
  field: string;
  threshold: number;
  severity: dashboard.v1.Severity;
  summary: (host: string, value: number) => string;
}

const pct = (v: number) => `${Math.round(v)}%`;

export const DEFAULT_RULES: readonly Rule[] = [
  { metric: 'cpuPercent', field: 'cpu_percent', threshold: 85, severity: dashboard.v1.Severity.SEVERITY_WARNING, summary: (h, v) => `CPU at ${pct(v)} on ${h}` },
  { metric: 'memoryPercent', field: 'memory_percent', threshold: 90, severity: dashboard.v1.Severity.SEVERITY_WARNING, summary: (h, v) => `Memory at ${pct(v)} on ${h}` },
  { metric: 'p95LatencyMs', field: 'p95_latency_ms', threshold: 400, severity: dashboard.v1.Severity.SEVERITY_CRITICAL, summary: (h, v) => `p95 latency ${Math.round(v)} ms on ${h}` },
  { metric: 'errorRate', field: 'error_rate', threshold: 0.03, severity: dashboard.v1.Severity.SEVERITY_CRITICAL, summary: (h, v) => `Error rate ${(v * 100).toFixed(1)}% on ${h}` },
];

export class Alerter {
  private readonly above = new Map<string, number>();
  private readonly firing = new Map<string, Alert>();
  private seq = 0;

  constructor(private readonly rules: readonly Rule[] = DEFAULT_RULES, private readonly raiseAfter = 2, private readonly clearMargin = 0.1) {}

  /** Alerts raised or resolved by this sample. */
  check(s: Sample): Alert[] {
    const out: Alert[] = [];
    for (const rule of this.rules) {
      const key = `${s.host}/${rule.field}`;
      const value = s[rule.metric];
      const firing = this.firing.get(key);
      if (value > rule.threshold) {
        const n = (this.above.get(key) ?? 0) + 1;
        this.above.set(key, n);
        if (!firing && n >= this.raiseAfter) {
          const alert: Alert = {
            id: `${key}#${++this.seq}-${s.timeMs}`, host: s.host, metric: rule.field, severity: rule.severity,
            value, threshold: rule.threshold, summary: rule.summary(s.host, value), raisedMs: s.timeMs, resolvedMs: 0,
          };
          this.firing.set(key, alert);
          out.push(alert);
        }
      } else {
        this.above.delete(key);
        if (firing && value < rule.threshold * (1 - this.clearMargin)) {
          this.firing.delete(key);
          out.push({ ...firing, value, resolvedMs: s.timeMs });
        }
      }
    }
    return out;
  }
}
