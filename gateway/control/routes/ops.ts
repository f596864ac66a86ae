/** Operations routes, open to whoever reaches the port: liveness, readiness, Prometheus metrics. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import { Health, Ready, errors } from '../schemas.js';
import type { ControlDeps, HealthDeps } from '../deps.js';

/** Liveness and readiness: what a load balancer or an orchestrator probes. */
export function registerHealth(app: FastifyInstance, deps: HealthDeps): void {
  const started = Date.now();

  app.get('/healthz', {
    schema: { summary: 'Liveness: the process answers', tags: ['operations'], response: { 200: Health } },
  }, async () => ({ status: 'ok' as const, node: deps.node, uptimeSec: Math.round((Date.now() - started) / 1000) }));

  app.get('/readyz', {
    schema: {
      summary: 'Readiness: NATS connected, streams reachable, WebSocket listening, not draining',
      description: '200 when ready, 503 (same body) when not: take the node out of the load balancer.',
      tags: ['operations'],
      response: { 200: Ready, 503: Ready },
    },
  }, async (_req, reply) => {
    const { ready, ...checks } = deps.readiness();
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
}

export function registerMetrics(app: FastifyInstance, deps: Pick<ControlDeps, 'telemetry'>): void {
  app.get('/metrics', {
    schema: {
      summary: 'Metrics in Prometheus text format',
      tags: ['operations'],
      produces: ['text/plain'],
      response: { 200: Type.String({ description: 'Prometheus text exposition format 0.0.4' }), ...errors(404) },
    },
  }, async (_req, reply) => {
    if (!deps.telemetry.servesPrometheus) throw new ApiError('NotFound', 'Prometheus metrics are off (telemetry.prometheus)');
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(await deps.telemetry.prometheusText());
  });
}
