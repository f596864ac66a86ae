/**
 * Serves the demo pages: HTML and CSS from demo/pages, the page scripts bundled into
 * dist/demo-web, the SDK bundle, and /config.json telling the pages where the gateway is.
 *   node dist/demo/server.js [--port 8090] [--host 127.0.0.1] [--gateway ws://127.0.0.1:8080/ws]
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** URL path -> file under the repository root. Nothing else is served. */
const ROUTES: Record<string, string> = {
  '/': 'demo/pages/index.html',
  '/dashboard': 'demo/pages/dashboard.html',
  '/lobby': 'demo/pages/lobby.html',
  '/assets/style.css': 'demo/pages/style.css',
  '/assets/dashboard.js': 'dist/demo-web/dashboard.js',
  '/assets/lobby.js': 'dist/demo-web/lobby.js',
  '/assets/jetgate.min.js': 'dist/browser/jetgate.min.js',
  '/assets/jetgate.min.js.map': 'dist/browser/jetgate.min.js.map',
};
const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.map': 'application/json' };

export interface DemoServerOptions {
  port: number;
  host?: string;
  gatewayUrl: string;
}

export async function startDemoServer(opts: DemoServerOptions): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify({ gatewayUrl: opts.gatewayUrl }));
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
    },
  });
  const { url } = await startDemoServer({ port: Number(values.port), host: values.host as string, gatewayUrl: values.gateway as string });
  console.error(`demo pages on ${url}`);
}
