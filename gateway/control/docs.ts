/**
 * The OpenAPI description of the control plane at /docs/json, and /docs: a small page that lists
 * the routes with their schemas from it (no bundled UI, nothing loaded from elsewhere).
 */
import type { FastifyInstance } from 'fastify';

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>jetgate control plane API</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}
h2{margin-top:2em}.op{border:1px solid #ddd;border-radius:6px;margin:.8em 0;padding:.2em .9em}
.m{display:inline-block;min-width:4em;font-weight:bold}.GET{color:#0a6}.POST{color:#06c}
summary{cursor:pointer;padding:.4em 0}pre{background:#f6f6f6;padding:.6em;overflow:auto;font-size:13px}
</style></head><body>
<h1>jetgate control plane API</h1>
<p>OpenAPI 3 document: <a href="/docs/json">/docs/json</a>. Server API routes need
<code>Authorization: Bearer &lt;key&gt;</code>. Errors: <code>{"error":{"code","message","requestId"}}</code>.</p>
<div id="ops">loading…</div>
<script>
fetch('/docs/json').then(r => r.json()).then(doc => {
  const root = document.getElementById('ops'); root.textContent = '';
  const groups = {};
  for (const [path, item] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(item)) {
    (groups[(op.tags || ['other'])[0]] ??= []).push([method.toUpperCase(), path, op]);
  }
  for (const [tag, ops] of Object.entries(groups)) {
    const h = document.createElement('h2'); h.textContent = tag; root.append(h);
    for (const [method, path, op] of ops) {
      const d = document.createElement('details'); d.className = 'op';
      const s = document.createElement('summary');
      s.innerHTML = '<span class="m ' + method + '"></span> <code></code> — <span></span>';
      s.children[0].textContent = method; s.children[1].textContent = path; s.children[2].textContent = op.summary || '';
      const pre = document.createElement('pre');
      pre.textContent = JSON.stringify({ description: op.description, parameters: op.parameters, requestBody: op.requestBody, responses: op.responses }, null, 2);
      d.append(s, pre); root.append(d);
    }
  }
}, e => { document.getElementById('ops').textContent = 'cannot load /docs/json: ' + e; });
</script></body></html>`;

export function registerDocs(app: FastifyInstance): void {
  app.get('/docs/json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/docs', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
}
