import t from 'tap';
import { CloseCode, UnsubscribeCode } from '../../proto/codes.js';
import { fixture } from '../helpers/fixture.js';
import { startGateway, testConfig } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';
import { text } from '../helpers/publisher.js';

const KEY = 'test-key-0123456789abcdef';

const CONFIG = {
  control: { apiKeys: [KEY, 'second-key-0123456789'], bodyLimitBytes: 4096 },
  presence: { ttlSec: 10, heartbeatSec: 2 },
  namespaces: [
    { name: 'test', stream: 'TEST', anonymous: true, window: 100, presence: true },
    { name: 'quiet', stream: 'TEST', subject: 'test.quiet.{name}', anonymous: true },
    { name: 'wild', stream: 'TEST', subject: 'test.wild.{name}', anonymous: true, allowWildcards: true },
  ],
};

t.test('server API', async (t) => {
  const f = await fixture(t, CONFIG);
  /** `key` '' sends none. */
  const api = (method: string, path: string, body?: unknown, key = KEY) => http(method, `${f.control}/api/v1${path}`, { key, body });

  t.test('health and readiness need no key', async (t) => {
    const h = await http('GET', `${f.control}/healthz`);
    t.equal(h.status, 200);
    t.match(h.body, { status: 'ok', node: f.gw.config.nodeId });
    const r = await http('GET', `${f.control}/readyz`);
    t.equal(r.status, 200);
    t.same(r.body, { status: 'ready', checks: { nats: true, streams: true, listening: true, draining: false } });
  });

  t.test('every API route needs a valid key; errors have one shape and carry the request id', async (t) => {
    for (const [method, path] of [['POST', '/publish'], ['GET', '/history?channel=test:a'], ['GET', '/presence?channel=test:a'],
      ['GET', '/channels'], ['POST', '/disconnect'], ['POST', '/unsubscribe']] as const) {
      const r = await api(method, path, method === 'POST' ? {} : undefined, '');
      t.equal(r.status, 401, `${method} ${path} without a key`);
      t.equal(r.body.error.code, 'Unauthorized');
    }
    const wrong = await http('GET', `${f.control}/api/v1/channels`, { key: 'not-the-key-0123456789', headers: { 'x-request-id': 'req-42' } });
    t.equal(wrong.status, 401);
    t.same(wrong.body, { error: { code: 'Unauthorized', message: 'a valid API key is required (Authorization: Bearer <key>)', requestId: 'req-42' } });
    t.equal(wrong.headers.get('x-request-id'), 'req-42', 'the caller\'s request id comes back');
    const generated = await api('GET', '/channels', undefined, 'nope');
    t.match(generated.body.error.requestId, /^[0-9a-f-]{36}$/, 'one is made up when the caller gives none');
    t.equal(generated.headers.get('x-request-id'), generated.body.error.requestId);
    const xApiKey = await http('GET', `${f.control}/api/v1/channels`, { headers: { 'x-api-key': 'second-key-0123456789' } });
    t.equal(xApiKey.status, 200, 'X-API-Key works, with any configured key');
    const missing = await http('GET', `${f.control}/nowhere`);
    t.equal(missing.status, 404);
    t.equal(missing.body.error.code, 'NotFound');
  });

  t.test('publish', async (t) => {
    const c = await f.client();
    await c.request({ subscribe: { channel: 'test:news' } });
    const r = await api('POST', '/publish', { channel: 'test:news', text: 'hello', headers: { 'X-Trace': 'abc' } });
    t.equal(r.status, 200);
    t.match(r.body, { channel: 'test:news', duplicate: false });
    const seq = r.body.seq as number;
    const got = await c.until('the publication', () => c.pubsOf('test:news')[0]);
    t.equal(got.seq, seq);
    t.equal(text(got.data), 'hello', 'stored and delivered like any producer\'s publication');

    const once = await api('POST', '/publish', { channel: 'test:news', data: Buffer.from([1, 2, 3]).toString('base64'), idempotencyKey: 'k1' });
    const twice = await api('POST', '/publish', { channel: 'test:news', data: Buffer.from([1, 2, 3]).toString('base64'), idempotencyKey: 'k1' });
    t.equal(twice.body.seq, once.body.seq);
    t.equal(twice.body.duplicate, true, 'an idempotency key is stored once');
    const json = await api('POST', '/publish', { channel: 'test:news', json: { a: 1 } });
    t.equal(json.status, 200);
    await c.until('three publications', () => c.pubsOf('test:news').length >= 3);
    t.same([...c.pubsOf('test:news')[1]!.data!], [1, 2, 3]);
    t.equal(text(c.pubsOf('test:news')[2]!.data), '{"a":1}', 'JSON without a known type is stored as JSON text');

    const bad: Array<[unknown, number, string]> = [
      [{ channel: 'test:news' }, 400, 'BadRequest'],
      [{ channel: 'test:news', text: 'a', data: 'YQ==' }, 400, 'BadRequest'],
      [{ channel: 'wild:*', text: 'a' }, 400, 'BadChannel'],
      [{ channel: 'test:a.b', text: 'a' }, 400, 'BadChannel'],
      [{ channel: 'nope:a', text: 'a' }, 404, 'UnknownNamespace'],
      [{ text: 'a' }, 400, 'ValidationFailed'],
      [{ channel: 'test:news', text: 'a', color: 'red' }, 400, 'ValidationFailed'],
      [{ channel: 'test:news', data: 'not base64!' }, 400, 'ValidationFailed'],
      [{ channel: 'test:news', text: 'a', headers: { 'Nats-Msg-Id': 'x' } }, 400, 'ValidationFailed'],
      [{ channel: 'test:news', text: 'x'.repeat(5000) }, 413, 'PayloadTooLarge'],
    ];
    for (const [body, status, code] of bad) {
      const e = await api('POST', '/publish', body);
      t.equal(e.status, status, JSON.stringify(body).slice(0, 80));
      t.equal(e.body.error.code, code);
    }
    const notJson = await http('POST', `${f.control}/api/v1/publish`, { key: KEY, body: '<hi/>', headers: { 'content-type': 'application/xml' } });
    t.equal(notJson.status, 415);
    t.equal(notJson.body.error.code, 'UnsupportedMediaType');
    const e = await api('POST', '/publish', { text: 'a' });
    t.match(e.body.error.message, /channel/, 'a validation error says what is wrong');
  });

  t.test('history: pages by sequence range, backwards, and from a time', async (t) => {
    const seqs = await f.pub.publishMany('test.log', 25);
    const page = (q: string) => api('GET', `/history?channel=test:log&${q}`);
    const first = await page('limit=10');
    t.equal(first.status, 200);
    t.same(first.body.publications.map((p: { seq: number }) => p.seq), seqs.slice(0, 10));
    t.equal(first.body.nextSeq, seqs[9]! + 1);
    t.equal(Buffer.from(first.body.publications[0].data, 'base64').toString(), 'm0', 'payloads are base64');
    t.equal(first.body.position.seq, seqs[24]);
    const range = await page(`fromSeq=${seqs[3]}&toSeq=${seqs[6]}`);
    t.same(range.body.publications.map((p: { seq: number }) => p.seq), seqs.slice(3, 7), 'a sequence range');
    t.equal(range.body.nextSeq, 0);
    const back = await page(`reverse=true&limit=5&toSeq=${seqs[18]}`);
    t.same(back.body.publications.map((p: { seq: number }) => p.seq), seqs.slice(20).reverse(), 'newest first');
    const back2 = await page(`reverse=true&limit=5&toSeq=${seqs[18]}&fromSeq=${back.body.nextSeq}`);
    t.same(back2.body.publications.map((p: { seq: number }) => p.seq), seqs.slice(18, 20).reverse(), 'down to toSeq');
    t.equal(back2.body.nextSeq, 0);

    const cut = Date.now();
    await new Promise((r) => setTimeout(r, 20));
    const later = await f.pub.publishMany('test.log', 3, 'late');
    const since = await page(`sinceTime=${cut}`);
    t.same(since.body.publications.map((p: { seq: number }) => p.seq), later, 'from a time');

    for (const [q, status, code] of [
      ['limit=5000', 400, 'ValidationFailed'],
      ['limit=abc', 400, 'ValidationFailed'],
      ['reverse=true&sinceTime=1', 400, 'ValidationFailed'],
      ['sinceTime=9000000000000000', 400, 'ValidationFailed'],
      ['bogus=1', 400, 'ValidationFailed'],
    ] as const) {
      const r = await page(q);
      t.equal(r.status, status, q);
      t.equal(r.body.error.code, code, q);
    }
    t.equal((await api('GET', '/history')).body.error.code, 'ValidationFailed', 'channel is required');
    t.equal((await api('GET', '/history?channel=nope:x')).status, 404);
  });

  t.test('presence, channels, unsubscribe and disconnect', async (t) => {
    const a = await f.client();
    const b = await f.client('json');
    const idOf = (c: typeof a) => c.received.find((m) => m.connect)!.connect!.clientId!;
    await a.request({ subscribe: { channel: 'test:room' } });
    await b.request({ subscribe: { channel: 'test:room' } });
    await b.request({ subscribe: { channel: 'quiet:room' } });
    const [aId, bId] = [idOf(a), idOf(b)];

    const p = await api('GET', '/presence?channel=test:room');
    t.equal(p.status, 200);
    t.same(p.body.clients.map((c: { clientId: string }) => c.clientId).sort(), [aId, bId].sort());
    t.match(p.body.clients[0], { user: '', node: f.gw.config.nodeId });
    t.equal((await api('GET', '/presence?channel=quiet:room')).body.error.code, 'PresenceNotEnabled');
    t.equal((await api('GET', '/presence?channel=quiet:room')).status, 409);
    t.equal((await api('GET', '/presence?channel=wild:*')).body.error.code, 'BadChannel');
    t.equal((await api('GET', '/presence')).body.error.code, 'ValidationFailed');

    const ch = await api('GET', '/channels');
    t.equal(ch.body.node, f.gw.config.nodeId);
    t.same(ch.body.channels.filter((c: { channel: string }) => c.channel.endsWith(':room')).sort((x: { channel: string }, y: { channel: string }) => x.channel.localeCompare(y.channel)),
      [{ channel: 'quiet:room', subscribers: 1 }, { channel: 'test:room', subscribers: 2 }]);

    const u = await api('POST', '/unsubscribe', { clientId: bId, channel: 'quiet:room', reason: 'moderated' });
    t.same(u.body, { nodes: 1, affected: 1 });
    const push = await b.until('unsubscribed push', () => b.received.find((m) => m.unsubscribed)?.unsubscribed);
    t.match(push, { channel: 'quiet:room', code: UnsubscribeCode.ServerUnsubscribe, reason: 'moderated' });
    t.same((await api('POST', '/unsubscribe', { clientId: bId, channel: 'quiet:room' })).body, { nodes: 1, affected: 0 }, 'nothing left to end');

    for (const body of [{}, { user: 'ann', clientId: aId }, { clientId: '' }, { clientId: aId, extra: 1 }]) {
      const r = await api('POST', '/disconnect', body);
      t.equal(r.status, 400, JSON.stringify(body));
      t.equal(r.body.error.code, 'ValidationFailed');
    }
    t.same((await api('POST', '/disconnect', { user: 'nobody-here' })).body, { nodes: 1, affected: 0 });
    const d = await api('POST', '/disconnect', { clientId: aId, reason: 'bye' });
    t.same(d.body, { nodes: 1, affected: 1 });
    await a.until('closed', () => a.closeCode !== undefined);
    t.equal(a.closeCode, CloseCode.Kicked);
    const kicked = a.received.find((m) => m.disconnect)?.disconnect;
    t.match(kicked, { code: CloseCode.Kicked, reason: 'bye' });
    t.notOk(kicked?.reconnect, 'told not to reconnect');
    const left = await b.until('leave of a', () => b.received.find((m) => m.leave)?.leave);
    t.equal(left.client?.clientId, aId, 'the kicked client left the presence');
    const after = await api('GET', '/presence?channel=test:room');
    t.same(after.body.clients.map((c: { clientId: string }) => c.clientId), [bId]);
  });

  t.test('OpenAPI document and docs page', async (t) => {
    const doc = await http('GET', `${f.control}/docs/json`);
    t.equal(doc.status, 200);
    t.match(doc.body.openapi, /^3\./);
    const paths = Object.keys(doc.body.paths).sort();
    t.same(paths, ['/api/v1/channels', '/api/v1/disconnect', '/api/v1/history', '/api/v1/presence', '/api/v1/publish', '/api/v1/unsubscribe', '/healthz', '/metrics', '/readyz']);
    for (const [path, item] of Object.entries(doc.body.paths as Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown }>>)) {
      for (const [method, op] of Object.entries(item)) {
        t.ok(op.responses['200'], `${method} ${path} documents its response`);
        if (path.startsWith('/api/')) {
          t.ok(op.responses['401'], `${method} ${path} documents 401`);
          t.same(op.security, [{ apiKey: [] }]);
        }
      }
    }
    t.ok(doc.body.components.schemas.Error, 'the error shape is one shared schema');
    const page = await http('GET', `${f.control}/docs`);
    t.equal(page.status, 200);
    t.match(page.headers.get('content-type'), /text\/html/);
    t.match(page.text, /\/docs\/json/);
  });
});

t.test('without API keys the server API is off', async (t) => {
  const f = await fixture(t);
  const r = await http('GET', `${f.control}/api/v1/channels`, { key: KEY });
  t.equal(r.status, 401);
  t.match(r.body.error.message, /no API keys configured/);
});

t.test('the control plane can be turned off', async (t) => {
  const f = await fixture(t);
  const gw = await startGateway(testConfig(f.nats.url, { control: { enabled: false } }));
  t.teardown(() => gw.stop());
  t.equal(gw.controlPort, 0);
});
