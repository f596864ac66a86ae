import { Writable } from 'node:stream';
import t from 'tap';
import { Gateway } from '../../gateway/gateway.js';
import { createLogger } from '../../gateway/log.js';
import { testConfig } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';
import { NatsServer } from '../helpers/nats-server.js';
import { RawClient } from '../helpers/raw-client.js';

const KEY = 'log-test-key-do-not-print-0123';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.do-not-print.signature';

t.test('logs are JSON lines with request ids, and never hold keys or tokens', async (t) => {
  const nats = await NatsServer.start();
  t.teardown(() => nats.destroy());
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(...chunk.toString().split('\n').filter(Boolean)), done()) });
  const config = testConfig(nats.url, { logLevel: 'trace', control: { apiKeys: [KEY] } });
  const gw = await Gateway.start(config, createLogger('trace', config.nodeId, sink));
  t.teardown(() => gw.stop());
  const base = `http://127.0.0.1:${gw.controlPort}`;

  await http('GET', `${base}/api/v1/channels`, { key: KEY, headers: { 'x-request-id': 'trace-me-1' } });
  await http('GET', `${base}/api/v1/channels`, { key: `${KEY}-wrong`, headers: { 'x-api-key': KEY } });
  await http('POST', `${base}/api/v1/publish`, { key: KEY, body: { channel: 'test:a', text: TOKEN } });
  await http('GET', `${base}/healthz`, { headers: { authorization: `Bearer ${KEY}` } });
  const forged = await RawClient.open(`ws://127.0.0.1:${gw.port}/ws`);
  t.ok((await forged.request({ connect: { token: TOKEN, name: 'logs' } })).error, 'a forged token is refused (and logged)');
  await forged.until('the close', () => forged.closeCode !== undefined);
  const c = await RawClient.connect(`ws://127.0.0.1:${gw.port}/ws`);
  await c.request({ subscribe: { channel: 'test:a', rewind: 1 } });
  await c.close();

  t.ok(lines.length > 5, `${lines.length} lines`);
  for (const l of lines) t.doesNotThrow(() => JSON.parse(l), 'one JSON object per line');
  const leaks = lines.filter((l) => l.includes(KEY) || l.includes(TOKEN) || l.includes('do-not-print'));
  t.same(leaks, [], 'no key or token in any line');
  const api = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'api request');
  t.equal(api.length, 3, 'one line per API request');
  t.match(api[0], { reqId: 'trace-me-1', method: 'GET', route: '/api/v1/channels', status: 200, component: 'control', node: config.nodeId });
  t.match(api[1], { status: 401 });
});
