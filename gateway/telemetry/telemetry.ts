/**
 * OpenTelemetry for one gateway: its own meter and tracer providers (never the process-global
 * ones, so several gateways in one process — tests, embedding — each report their own), with the
 * exporters the configuration asks for: Prometheus text for /metrics, OTLP/HTTP for metrics and
 * traces. Built from the SDK packages @opentelemetry/sdk-node bundles.
 */
import { type Meter } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { envDetector, detectResources, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Config } from '../config/schema.js';
import type { Logger } from '../log.js';
import { Metrics, type Gauges } from './metrics.js';
import { Stats } from './stats.js';
import { Tracing } from './tracing.js';

const SCOPE = 'jetgate';

export class Telemetry {
  readonly stats = new Stats();
  readonly tracing: Tracing;
  /** Set once `observe` ran and some reader collects metrics. */
  metrics: Metrics | undefined;
  private readonly meter: Meter | undefined;
  private readonly meterProvider: MeterProvider | undefined;
  private readonly tracerProvider: TracerProvider | undefined;
  private readonly prometheus: PrometheusExporter | undefined;
  private readonly serializer = new PrometheusSerializer();

  constructor(config: Config, log: Logger) {
    const t = config.telemetry;
    const resource = detectResources({ detectors: [envDetector] }).merge(resourceFromAttributes({
      'service.name': t.serviceName,
      'service.instance.id': config.nodeId ?? '',
    }));
    const readers: IMetricReader[] = [];
    if (t.prometheus) readers.push((this.prometheus = new PrometheusExporter({ preventServerStart: true })));
    if (t.otlpEndpoint) {
      readers.push(new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${trimSlash(t.otlpEndpoint)}/v1/metrics` }),
        exportIntervalMillis: t.metricsIntervalSec * 1000,
      }));
    }
    if (readers.length) {
      this.meterProvider = new MeterProvider({ resource, readers });
      this.meter = this.meterProvider.getMeter(SCOPE);
    }
    if (t.traces) {
      this.tracerProvider = new TracerProvider({
        resource,
        sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(t.traceSampleRatio) }),
        spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${trimSlash(t.otlpEndpoint)}/v1/traces` }) })],
      });
    }
    this.tracing = new Tracing(this.tracerProvider?.getTracer(SCOPE));
    log.info({ prometheus: t.prometheus, otlp: t.otlpEndpoint || undefined, traces: t.traces }, 'telemetry');
  }

  /** Creates the instruments once the gateway's parts exist. */
  observe(gauges: Gauges): void {
    if (this.meter) this.metrics = new Metrics(this.meter, this.stats, gauges);
  }

  get servesPrometheus(): boolean {
    return this.prometheus !== undefined;
  }

  /** Every metric in Prometheus text exposition format. */
  async prometheusText(): Promise<string> {
    if (!this.prometheus) return '';
    const { resourceMetrics } = await this.prometheus.collect();
    return this.serializer.serialize(resourceMetrics);
  }

  /** Exports what is pending (spans, a last metric push) and stops the exporters. */
  async shutdown(): Promise<void> {
    await Promise.allSettled([this.tracerProvider?.shutdown(), this.meterProvider?.shutdown()]);
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
