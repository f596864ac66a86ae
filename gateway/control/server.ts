/**
 * The control plane: a fastify server on its own port, apart from the WebSocket data plane.
 * Operations routes (/healthz, /readyz, /metrics), the server API under /api/v1 (API keys), and
 * its OpenAPI description (/docs/json, /docs). Every error has one shape (./errors.ts); every
 * request has an id (X-Request-Id, taken from the caller when sane) that its log lines carry.
 * Every socket is bounded (docs/security.md, "Control plane"): header, request, keep-alive and idle
 * timeouts, a cap on open connections, and a refused request is answered and its socket closed, so
 * slow or refused clients cannot hold the file descriptors the WebSocket clients need.
 */
import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import { LogController, fastify, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { parseJson } from '../../proto/safe-json.js';
import type { Config } from '../config/schema.js';
import { JetgateError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ControlDeps, HealthDeps } from './deps.js';
import { registerDocs } from './docs.js';
import { ApiError, apiErrorOf, type ErrorBody } from './errors.js';
import { registerApi } from './routes/api.js';
import { registerHealth, registerMetrics } from './routes/ops.js';
import { ErrorResponse } from './schemas.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** How often Node checks the header and request timeouts of open requests (its default is 30 s). */
const TIMEOUT_CHECK_MS = 1_000;

function requestId(req: { headers: Record<string, string | string[] | undefined> }): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

function sendError(req: FastifyRequest, reply: FastifyReply, e: unknown): FastifyReply {
  const err = apiErrorOf(e);
  if (err.status >= 500) req.log.error({ err: e }, 'request failed');
  const body: ErrorBody = { error: { code: err.code, message: err.message, requestId: req.id } };
  return reply.status(err.status).send(body);
}

export class ControlServer {
  private constructor(private readonly app: FastifyInstance, readonly port: number) {}

  /** The whole control plane of one gateway process. */
  static async start(deps: ControlDeps): Promise<ControlServer> {
    const app = baseApp(deps, (route, method, status) => deps.telemetry.metrics?.apiRequest(route, method, status));
    await app.register(swagger, {
      openapi: {
        info: { title: 'jetgate control plane', version: '1', description: 'Health, readiness, metrics and the server API of a jetgate gateway node (docs/operations.md).' },
        components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'one of control.apiKeys; X-API-Key: <key> works too' } } },
      },
      refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    });
    registerHealth(app, deps);
    registerMetrics(app, deps);
    await app.register((api, _opts, done) => {
      registerApi(api, deps);
      done();
    }, { prefix: '/api/v1' });
    registerDocs(app);
    return ControlServer.listen(app, deps.config, deps.config.control.port);
  }

  /** Health and readiness only, on `port`: a worker supervisor's, for the node as a whole. */
  static async startHealth(deps: HealthDeps, port: number): Promise<ControlServer> {
    const app = baseApp(deps);
    registerHealth(app, deps);
    return ControlServer.listen(app, deps.config, port);
  }

  private static async listen(app: FastifyInstance, config: Config, port: number): Promise<ControlServer> {
    const { host } = config.control;
    try {
      await app.listen({ host, port });
    } catch (e) {
      await app.close();
      throw new JetgateError('LISTEN_FAILED', `control plane cannot listen on ${host}:${port}: ${(e as Error).message}`);
    }
    const address = app.server.address();
    return new ControlServer(app, typeof address === 'object' && address ? address.port : port);
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

/** fastify with what every control port shares: logging, request ids, the one error shape. */
function baseApp(deps: HealthDeps, counted?: (route: string, method: string, status: number) => void): FastifyInstance {
  const logger: FastifyBaseLogger = deps.log.child({ component: 'control' });
  const c = deps.config.control;
  const app = fastify({
    connectionTimeout: c.idleTimeoutMs,
    keepAliveTimeout: c.keepAliveTimeoutMs,
    requestTimeout: c.requestTimeoutMs,
    // Node refuses a headers timeout longer than the request timeout.
    http: { headersTimeout: Math.min(c.headersTimeoutMs, c.requestTimeoutMs), connectionsCheckingInterval: TIMEOUT_CHECK_MS },
    loggerInstance: logger,
    // One line per request, written below (probes and scrapes at debug), instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: requestId,
    bodyLimit: deps.config.control.bodyLimitBytes,
    // Unknown keys are an error, not silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
  });
  // Past the bound Node closes new sockets at once.
  app.server.maxConnections = c.maxConnections;
  app.addSchema(ErrorResponse);
  // Bodies through the safe parser (proto/safe-json.ts): nesting and keys that would reach a
  // prototype are a 400 before anything walks the body (validation, payload encoding).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      if (body === '') throw new Error('empty body');
      done(null, parseJson(body as string));
    } catch (e) {
      done(new ApiError('BadRequest', `request body: ${(e as Error).message}`), undefined);
    }
  });
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
    // Refused before its body arrived (401, 413, 400...): answer and close, instead of keeping the
    // socket open while the client dribbles a body nobody will read.
    if (reply.statusCode >= 400 && !req.raw.complete) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    const ms = Math.round(reply.elapsedTime);
    const line = { method: req.method, route, status: reply.statusCode, ms };
    if (route.startsWith('/api/')) req.log.info(line, 'api request');
    else req.log.debug(line, 'request');
    counted?.(route, req.method, reply.statusCode);
  });
  app.setErrorHandler((e, req, reply) => sendError(req, reply, e));
  app.setNotFoundHandler((req, reply) => sendError(req, reply, new ApiError('NotFound', `no route ${req.method} ${req.url.split('?')[0]}`)));
  return app;
}
