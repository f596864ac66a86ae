/**
 * The smaller hostile-input items of issue 11: invalid UTF-8 on the JSON subprotocol, control
 * characters in an idempotency key and deep bodies on the server API, absurd token time claims,
 * and close codes chosen by clients as metric labels. Each gets its documented answer, and the
 * gateway goes on serving everyone else.
 */
import t from 'tap';
import { ErrorCode } from '../../proto/codes.js';
import { authConfig, AUD } from '../helpers/auth-setup.js';
import { fixture } from '../helpers/fixture.js';
import { http } from '../helpers/http.js';
import { waitFor } from '../helpers/ports.js';
import { parsePrometheus } from '../helpers/prometheus.js';
import { RawClient } from '../helpers/raw-client.js';
import { inSec, makeKeys, sign } from '../helpers/tokens.js';

const keys = makeKeys();
const API_KEY = 'input-edges-api-key-0123456789';

t.test('invalid UTF-8: a text frame fails the connection (1006), a binary one is error 1000', async (t) => {
  const { client, url } = await fixture(t);
  const good = await client('json');
  const bad = await client('json');
  // A text frame whose bytes are not UTF-8: uWebSockets.js drops the connection before the gateway sees it.
  bad.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
  await bad.until('the connection to fail', () => bad.closeCode !== undefined);
  t.equal(bad.closeCode, 1006, 'no close frame: the documented 1006');
  // The same bytes in a binary frame reach the gateway: an error the client can act on.
  const binary = await client('json');
  binary.sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
  const e = await binary.until('the error', () => binary.received.find((m) => m.error));
  t.equal(e.error?.code, ErrorCode.BadRequest);
  t.match(e.error?.message, /invalid UTF-8/);
  t.equal(binary.closeCode, undefined, 'still connected');
  t.ok((await good.request({ subscribe: { channel: 'test:a' } })).subscribe, 'others are served');
  t.ok(await RawClient.connect(url, 'json'), 'new connections too');
});

t.test('server API: an idempotency key with CR/LF and a body nested 200k deep are 400s', async (t) => {
  const { control } = await fixture(t, { control: { apiKeys: [API_KEY], bodyLimitBytes: 4 * 1024 * 1024 } });
  const publish = `${control}/api/v1/publish`;
  const crlf = await http('POST', publish, { key: API_KEY, body: { channel: 'test:a', text: 'x', idempotencyKey: 'k\r\nNats-Rollup: all' } });
  t.equal(crlf.status, 400);
  t.equal(crlf.body?.error?.code, 'BadRequest');
  t.match(crlf.body?.error?.message, /idempotencyKey/);
  const n = 200_000;
  const deep = await http('POST', publish, { key: API_KEY, body: `{"channel":"test:a","json":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}` });
  t.equal(deep.status, 400, 'deep body: 400, not a stack overflow');
  t.match(deep.body?.error?.message, /nested deeper than 32/);
  t.equal((await http('POST', publish, { key: API_KEY, body: '' , headers: { 'content-type': 'application/json' } })).status, 400, 'empty JSON body');
  t.equal((await http('POST', publish, { key: API_KEY, body: '{"channel":' })).status, 400, 'broken JSON');
  const ok = await http('POST', publish, { key: API_KEY, body: { channel: 'test:a', json: { a: { b: [1, 2] } }, idempotencyKey: 'k-1' } });
  t.equal(ok.status, 200, 'a sane body is served');
});

t.test('a token with exp 1e300 (or another absurd time claim) is refused with 1021, never echoed', async (t) => {
  const { url } = await fixture(t, await authConfig(keys));
  for (const claims of [{ exp: 1e300 }, { exp: inSec(20 * 366 * 24 * 3600) }, { exp: inSec(600), iat: 1e300 }, { exp: inSec(600) + 0.5 }]) {
    const c = await RawClient.open(url, 'json');
    t.teardown(() => c.close());
    c.sendRaw(JSON.stringify({ id: 1, connect: { token: await sign(keys, 'HS256', { ...AUD, sub: 'u', ...claims }) } }));
    const r = await c.until('the reply', () => c.received.find((m) => m.id === 1));
    t.equal(r.error?.code, ErrorCode.BadToken, JSON.stringify(claims));
    t.notOk(r.connect, 'no connect result, no expiresAt');
  }
  // The same for a refresh of a good connection.
  const c = await RawClient.connect(url, 'json', await sign(keys, 'HS256', { ...AUD, sub: 'u', exp: inSec(600) }));
  const r = await c.request({ refresh: { token: await sign(keys, 'HS256', { ...AUD, sub: 'u', exp: 1e300 }) } });
  t.equal(r.error?.code, ErrorCode.BadToken);
  t.ok((await c.request({ subscribe: { channel: 'test:a' } })).subscribe, 'the connection carries on with its token');
});

t.test('close codes chosen by clients become one "other" series in /metrics', async (t) => {
  const f = await fixture(t);
  // uWebSockets.js passes on 4000–4999 (codes 1012–3999 from a client fail the connection: 1006).
  for (const code of [4100, 4321, 4500, 4999]) {
    const c = await f.client('json');
    c.ws.close(code);
    await c.until('closed', () => c.closeCode !== undefined);
  }
  const kicked = await f.client('json');
  kicked.ws.close(1000);
  await kicked.until('closed', () => kicked.closeCode !== undefined);
  const scrape = async () => parsePrometheus((await http('GET', `${f.control}/metrics`)).text);
  await waitFor('the closes to be counted', async () => (await scrape()).get('jetgate_connections_closed_total{code="other",reason="Other"}') === 4);
  const m = await scrape();
  t.equal(m.get('jetgate_connections_closed_total{code="1000",reason="Normal"}'), 1, 'a documented code keeps its number');
  const codes = m.text.split('\n').filter((l) => l.startsWith('jetgate_connections_closed_total{')).map((l) => /code="([^"]+)"/.exec(l)?.[1]);
  t.same(codes.sort(), ['1000', 'other'], 'no series of its own for a code a client chose');
});
