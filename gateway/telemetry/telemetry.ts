/**
 * OpenTelemetry for one gateway: its own meter and tracer providers (never the process-global
 * ones, so several gateways in one process — tests, embedding — each report their own), with the
 * exporters the configuration asks for: Prometheus text for /metrics, OTLP/HTTP for metrics and
 * traces. Built from the SDK packages @opentelemetry/sdk-node bundles; the tracing SDK and the
 * OTLP exporters are loaded only when configured (start-up time).
 */
import { type Meter } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { envDetector, detectResources, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from '@opentelemetry/sdk-metrics';
import type { TracerProvider } from '@opentelemetry/sdk-trace';
import type { Config, TelemetryConfig } from '../config/schema.js';
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

  private constructor(t: TelemetryConfig, resource: Resource, otlpMetrics: IMetricReader | undefined, tracerProvider: TracerProvider | undefined) {
    const readers: IMetricReader[] = [];
    if (t.prometheus) readers.push((this.prometheus = new PrometheusExporter({ preventServerStart: true })));
    if (otlpMetrics) readers.push(otlpMetrics);
    if (readers.length) {
      this.meterProvider = new MeterProvider({ resource, readers });
      this.meter = this.meterProvider.getMeter(SCOPE);
    }
    this.tracerProvider = tracerProvider;
    this.tracing = new Tracing(tracerProvider?.getTracer(SCOPE));
  }

  static async create(config: Config, log: Logger): Promise<Telemetry> {
    const t = config.telemetry;
    const resource = detectResources({ detectors: [envDetector] }).merge(resourceFromAttributes({
      'service.name': t.serviceName,
      'service.instance.id': config.nodeId ?? '',
    }));
    const endpoint = t.otlpEndpoint.replace(/\/+$/, '');
    let otlpMetrics: IMetricReader | undefined;
    if (endpoint) {
      const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-http');
      otlpMetrics = new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics` }),
        exportIntervalMillis: t.metricsIntervalSec * 1000,
      });
    }
    let tracerProvider: TracerProvider | undefined;
    if (t.traces) {
      const [sdk, { OTLPTraceExporter }] = await Promise.all([import('@opentelemetry/sdk-trace'), import('@opentelemetry/exporter-trace-otlp-http')]);
      tracerProvider = new sdk.TracerProvider({
        resource,
        sampler: new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(t.traceSampleRatio) }),
        spanProcessors: [new sdk.BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }) })],
      });
    }
    log.info({ prometheus: t.prometheus, otlp: endpoint || undefined, traces: t.traces }, 'telemetry');
    return new Telemetry(t, resource, otlpMetrics, tracerProvider);
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
