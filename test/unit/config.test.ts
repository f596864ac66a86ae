import t from 'tap';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environmentKeys, loadConfig, ConfigError } from '../../gateway/config/load.js';

t.test('defaults fill an empty configuration', async (t) => {
  const c = loadConfig({ env: {} });
  t.equal(c.websocket.port, 8080);
  t.same(c.nats.servers, ['nats://127.0.0.1:4222']);
  t.equal(c.websocket.maxBufferBytes, 4 * 1024 * 1024);
  t.ok(c.nodeId);
});

t.test('file, then environment, then overrides', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'jg-cfg-'));
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ websocket: { port: 9000, path: '/x' }, streams: [{ name: 'S', subjects: ['a.>'] }], namespaces: [{ name: 'a', stream: 'S' }] }));
  const c = loadConfig({ file, env: { JETGATE_WEBSOCKET_PORT: '9100', NATS_URL: 'nats://h1:1,nats://h2:2', JETGATE_WEBSOCKET_ALLOW_JS_FALLBACK: 'true' }, overrides: { 'websocket.path': '/y' } });
  t.equal(c.websocket.port, 9100);
  t.equal(c.websocket.path, '/y');
  t.same(c.nats.servers, ['nats://h1:1', 'nats://h2:2']);
  t.equal(c.websocket.allowJsFallback, true);
  t.equal(c.namespaces[0]?.subject, '{ns}.{name}', 'namespace defaults');
  t.equal(c.namespaces[0]?.window, 1000);
});

t.test('errors name the bad key', async (t) => {
  const bad: Array<[unknown, RegExp]> = [
    [{ websocket: { port: 70000 } }, /websocket\.port/],
    [{ websocket: { prot: 1 } }, /websocket\.prot: unknown key/],
    [{ namespaces: [{ name: 'Bad', stream: 'S' }] }, /namespaces\.0\.name/],
    [{ namespaces: [{ name: 'a', stream: 'S', subject: 'a.*.{name}' }] }, /wildcards/],
    [{ namespaces: [{ name: 'a', stream: 'S', subject: 'a.b' }] }, /must contain \{name\}/],
    [{ namespaces: [{ name: 'a', stream: 'S' }, { name: 'a', stream: 'S' }] }, /defined twice/],
  ];
  const dir = mkdtempSync(join(tmpdir(), 'jg-cfg-'));
  for (const [cfg, re] of bad) {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(cfg));
    t.throws(() => loadConfig({ file, env: {} }), re, re.source);
  }
  t.throws(() => loadConfig({ env: { JETGATE_WEBSOCKET_PORT: 'eighty' } }), /JETGATE_WEBSOCKET_PORT: "eighty" is not a number/);
  t.throws(() => loadConfig({ file: join(dir, 'missing.json'), env: {} }), ConfigError);
});

t.test('auth and limit keys: list values from the environment, cross-checks', async (t) => {
  const c = loadConfig({ env: { JETGATE_AUTH_ALGORITHMS: 'RS256, ES256', JETGATE_AUTH_AUDIENCE: 'app,admin', JETGATE_WEBSOCKET_ALLOWED_ORIGINS: 'https://a.example.com' } });
  t.same(c.auth.algorithms, ['RS256', 'ES256']);
  t.same(c.auth.audience, ['app', 'admin']);
  t.same(c.websocket.allowedOrigins, ['https://a.example.com']);
  t.equal(c.auth.claims.user, 'sub', 'claim defaults');
  t.throws(() => loadConfig({ env: { JETGATE_AUTH_ALGORITHMS: 'none' } }), /auth\.algorithms/, 'alg none cannot even be configured');
  t.throws(() => loadConfig({ env: { JETGATE_WEBSOCKET_MESSAGE_BURST: '100' } }), /messageBurst .* must be above websocket\.maxSubscriptions/);
  t.throws(() => loadConfig({ env: { JETGATE_WEBSOCKET_TLS_CERT_FILE: '/x.pem' } }), /set both certFile and keyFile/);
  t.throws(() => loadConfig({ env: { JETGATE_AUTH_PUBLIC_KEY: 'a', JETGATE_AUTH_PUBLIC_KEY_FILE: 'b' } }), /not both/);
});

t.test('docs/configuration.md documents every environment key', async (t) => {
  const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  for (const k of environmentKeys()) t.ok(doc.includes(k.env), k.env);
});
