/**
 * Serves the demo pages: HTML, CSS and the icon from demo/pages, the page scripts bundled into
 * dist/demo-web, the SDK bundle, /config.json telling the pages where the gateway is, and
 * POST /token handing the lobby page short-lived connection tokens (demo/tokens.ts), as an app's
 * backend would.
 *   node dist/demo/server.js [--port 8090] [--host 127.0.0.1] [--gateway ws://127.0.0.1:8080/ws]
 *                            [--token-secret S] [--token-ttl-sec 600]
 * The token secret defaults to JETGATE_AUTH_HMAC_SECRET (the variable the gateway reads too), else
 * to the development secret of jetgate.json.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TOKEN_TTL_SEC, DEV_TOKEN_SECRET, TokenRequestError, tokenIssuer, type IssuedToken } from './tokens.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** URL path -> file under the repository root. Nothing else is served. */
const ROUTES: Record<string, string> = {
  '/': 'demo/pages/index.html',
  '/dashboard': 'demo/pages/dashboard.html',
  '/lobby': 'demo/pages/lobby.html',
  '/assets/style.css': 'demo/pages/style.css',
  // The icon of the tabs and the logo of the pages; /favicon.ico for what asks without reading the page.
  '/favicon.svg': 'demo/pages/favicon.svg',
  '/favicon.ico': 'demo/pages/favicon.svg',
  '/assets/dashboard.js': 'dist/demo-web/dashboard.js',
  '/assets/lobby.js': 'dist/demo-web/lobby.js',
  '/assets/jetgate.min.js': 'dist/browser/jetgate.min.js',
  '/assets/jetgate.min.js.map': 'dist/browser/jetgate.min.js.map',
  '/assets/jetgate-worker.min.js': 'dist/browser/jetgate-worker.min.js',
  '/assets/jetgate-worker.min.js.map': 'dist/browser/jetgate-worker.min.js.map',
};
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.map': 'application/json', '.svg': 'image/svg+xml',
};

export interface DemoServerOptions {
  port: number;
  host?: string;
  gatewayUrl: string;
  /** HS256 secret of the tokens (the gateway's auth.hmacSecret); default: DEV_TOKEN_SECRET. */
  tokenSecret?: string;
  tokenTtlSec?: number;
}

/** Largest /token request body. */
const MAX_TOKEN_BODY = 1024;

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));

/** POST /token {key, name} -> {token, user, player, expiresAt}; 400 {error} for a bad request. */
function serveToken(req: IncomingMessage, res: ServerResponse, issue: (r: { key?: unknown; name?: unknown }) => Promise<IssuedToken>): void {
  if (req.method !== 'POST') {
    res.writeHead(405, { allow: 'POST', 'content-type': 'text/plain' }).end('POST only');
    return;
  }
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
    json(res, 415, { error: 'send application/json' });
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('error', () => res.destroy());
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= MAX_TOKEN_BODY) chunks.push(c);
  });
  req.on('end', () => {
    if (size > MAX_TOKEN_BODY) {
      json(res, 413, { error: 'request too large' });
      return;
    }
    let body: { key?: unknown; name?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as typeof body;
      if (body === null || typeof body !== 'object') throw new TokenRequestError('expected a JSON object {key, name}');
    } catch (e) {
      json(res, 400, { error: e instanceof TokenRequestError ? e.message : 'malformed JSON' });
      return;
    }
    issue(body).then(
      (t) => json(res, 200, t),
      (e: Error) => json(res, e instanceof TokenRequestError ? 400 : 500, { error: e.message }),
    );
  });
}

export async function startDemoServer(opts: DemoServerOptions): Promise<{ server: Server; url: string }> {
  const issue = tokenIssuer({ secret: opts.tokenSecret ?? DEV_TOKEN_SECRET, ...(opts.tokenTtlSec ? { ttlSec: opts.tokenTtlSec } : {}) });
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/token') return serveToken(req, res, issue);
    if (path === '/config.json') {
      json(res, 200, { gatewayUrl: opts.gatewayUrl });
      return;
    }
    const file = ROUTES[path];
    if (!file || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    readFile(join(ROOT, file)).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' }).end(body),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${file} is missing: run make build`),
    );
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, resolve);
  });
  const port = (server.address() as { port: number }).port;
  return { server, url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/` };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { parseArgs } = await import('node:util');
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.DEMO_PORT ?? '8090' },
      host: { type: 'string', default: '127.0.0.1' },
      gateway: { type: 'string', default: process.env.JETGATE_URL ?? 'ws://127.0.0.1:8080/ws' },
      'token-secret': { type: 'string', default: process.env.JETGATE_AUTH_HMAC_SECRET ?? DEV_TOKEN_SECRET },
      'token-ttl-sec': { type: 'string', default: process.env.DEMO_TOKEN_TTL_SEC ?? String(DEFAULT_TOKEN_TTL_SEC) },
    },
  });
  const { url } = await startDemoServer({
    port: Number(values.port), host: values.host as string, gatewayUrl: values.gateway as string,
    tokenSecret: values['token-secret'] as string, tokenTtlSec: Number(values['token-ttl-sec']),
  });
  if (values['token-secret'] === DEV_TOKEN_SECRET) console.error('demo: signing tokens with the development secret of jetgate.json (not for production)');
  console.error(`demo pages on ${url}`);
}
