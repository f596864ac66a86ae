/**
 * Issue 11, attack 6: slow bodies against the control plane. Sockets that send a large
 * Content-Length and then a byte now and then, with and without an API key, are answered and
 * closed within the configured timeouts, while /healthz keeps answering and new WebSocket clients
 * connect; the connection bound holds; the control plane binds loopback by default.
 */
import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import t, { type Test } from 'tap';
import { validateConfig } from '../../gateway/config/load.js';
import { ControlServer } from '../../gateway/control/server.js';
import { createLogger } from '../../gateway/log.js';
import { startGateway, testConfig } from '../helpers/gateway.js';
import { fixture, type Fixture } from '../helpers/fixture.js';
import { http } from '../helpers/http.js';
import { NatsServer } from '../helpers/nats-server.js';
import { waitFor } from '../helpers/ports.js';
import { RawClient } from '../helpers/raw-client.js';
import { steadyClient } from '../helpers/steady-client.js';

const KEY = 'abuse-control-key-0123456789';

interface Slow {
  socket: Socket;
  /** What the server sent back. */
  answer: string;
  closed: boolean;
  stop(): void;
}

/** A socket that starts a POST announcing a large body, then dribbles one byte every `everyMs`. */
function slowBody(port: number, key: string | undefined, everyMs = 500): Promise<Slow> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const s: Slow = { socket, answer: '', closed: false, stop: () => clearInterval(timer) };
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (d) => (s.answer += d.toString()));
    socket.on('error', () => undefined); // a reset is one way of being closed
    socket.on('close', () => {
      s.closed = true;
      s.stop();
    });
    socket.once('connect', () => {
      socket.write(['POST /api/v1/publish HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 900000',
        ...(key ? [`Authorization: Bearer ${key}`] : []), '', '{"channel":"test:a","text":"'].join('\r\n'));
      timer = setInterval(() => !s.closed && socket.write('x'), everyMs);
      resolve(s);
    });
    socket.once('error', reject);
  });
}

/** Raw sockets that connect then never send anything (to fill the connection bound). */
function silent(port: number): Promise<Slow> {
  return slowBody(port, KEY, 60_000);
}

/** 300 slow bodies against a gateway: served meanwhile are /healthz, new WebSocket clients and a steady client. */
async function underSlowBodies(t: Test, control: Record<string, unknown>, key: string | undefined): Promise<{ f: Fixture; slow: Slow[]; done: () => Promise<void> }> {
  const f = await fixture(t, { control: { apiKeys: [KEY], ...control } });
  const done = await steadyClient(t, f);
  const slow = await Promise.all(Array.from({ length: 300 }, () => slowBody(f.gw.controlPort, key)));
  t.teardown(() => slow.forEach((s) => (s.stop(), s.socket.destroy())));
  t.equal((await http('GET', `${f.control}/healthz`)).status, 200, '/healthz answers while 300 slow bodies are open');
  const fresh = await RawClient.connect(f.url);
  t.teardown(() => fresh.close());
  t.ok((await fresh.request({ subscribe: { channel: 'test:fresh' } })).subscribe, 'a new WebSocket client connects and subscribes');
  return { f, slow, done };
}

t.test('slow bodies without a key: answered 401 and closed at once, not held until a timeout', async (t) => {
  // Timeouts far beyond the wait below: only the refusal itself can close these sockets in time.
  const { f, slow, done } = await underSlowBodies(t, { requestTimeoutMs: 300_000, idleTimeoutMs: 300_000 }, undefined);
  await waitFor('every socket without a key answered and closed', () => slow.every((s) => s.closed), 60_000);
  t.ok(slow.every((s) => s.answer.startsWith('HTTP/1.1 401')), 'each got 401');
  t.ok(slow.every((s) => /\r\nconnection: close\r\n/i.test(s.answer)), 'with Connection: close');
  t.equal((await http('GET', `${f.control}/healthz`)).status, 200, '/healthz still answers');
  await done();
});

t.test('slow bodies with a key: 408 and closed by the request timeout', async (t) => {
  const { f, slow, done } = await underSlowBodies(t, { requestTimeoutMs: 3_000, headersTimeoutMs: 2_000 }, KEY);
  await waitFor('every socket closed by the request timeout', () => slow.every((s) => s.closed), 60_000);
  t.ok(slow.every((s) => s.answer.startsWith('HTTP/1.1 408')), 'each got 408 Request Timeout');
  t.equal((await http('GET', `${f.control}/healthz`)).status, 200, '/healthz still answers');
  const ok = await http('POST', `${f.control}/api/v1/publish`, { key: KEY, body: { channel: 'test:a', text: 'after' } });
  t.equal(ok.status, 200, 'and an honest API request is served');
  await done();
});

t.test('a refused request with a body still coming is not kept alive; a complete one is', async (t) => {
  const f = await fixture(t, { control: { apiKeys: [KEY] } });
  const tooLarge = await http('POST', `${f.control}/api/v1/publish`, { key: KEY, body: { channel: 'test:a', text: 'x'.repeat(2 * 1024 * 1024) } });
  t.equal(tooLarge.status, 413, 'a body past bodyLimitBytes: 413');
  t.equal(tooLarge.headers.get('connection'), 'close', 'and the socket is closed');
  const refused = await http('GET', `${f.control}/api/v1/channels`);
  t.equal(refused.status, 401, 'a bodiless request without a key: 401');
  t.not(refused.headers.get('connection'), 'close', 'its connection may stay open (nothing left to read)');
});

t.test('the connection bound: sockets past control.maxConnections are closed at once, and freed by the timeouts', async (t) => {
  const f = await fixture(t, { control: { apiKeys: [KEY], maxConnections: 20, requestTimeoutMs: 2_000, headersTimeoutMs: 1_000 } });
  const port = f.gw.controlPort;
  const held = await Promise.all(Array.from({ length: 20 }, () => silent(port)));
  t.teardown(() => held.forEach((s) => (s.stop(), s.socket.destroy())));
  await waitFor('the server has them all', () => f.gw.controlPort > 0 && held.every((s) => s.socket.writable), 10_000);
  const extra = await slowBody(port, KEY);
  t.teardown(() => (extra.stop(), extra.socket.destroy()));
  await waitFor('the socket past the bound closed', () => extra.closed, 10_000);
  t.equal(extra.answer, '', 'closed without an answer');
  await waitFor('the held sockets timed out', () => held.every((s) => s.closed), 20_000);
  t.equal((await http('GET', `${f.control}/healthz`)).status, 200, 'once they are gone /healthz answers again');
});

t.test('the control plane binds loopback by default', async (t) => {
  t.equal(validateConfig({}).control.host, '127.0.0.1', 'control.host defaults to 127.0.0.1');
  const nats = await NatsServer.start();
  t.teardown(() => nats.destroy());
  const config = testConfig(nats.url, { control: { port: 0, host: undefined } });
  t.equal(config.control.host, '127.0.0.1');
  const gw = await startGateway(config);
  t.teardown(() => gw.stop());
  t.equal((await http('GET', `http://127.0.0.1:${gw.controlPort}/healthz`)).status, 200, 'reachable on loopback');
  const outside = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal);
  if (!outside) return t.pass('no non-loopback IPv4 address on this machine to try', { skip: true });
  await t.rejects(http('GET', `http://${outside.address}:${gw.controlPort}/healthz`), 'not reachable on another interface');
});

t.test('the supervisor\'s node health server has the same bounds', async (t) => {
  const config = validateConfig({ control: { port: 0, apiKeys: [KEY], requestTimeoutMs: 2_000, headersTimeoutMs: 1_000 } });
  t.equal(config.control.host, '127.0.0.1', 'loopback by default');
  const health = await ControlServer.startHealth({ config, log: createLogger('silent'), node: 'n1', readiness: () => ({ ready: true, nats: true, streams: true, listening: true, draining: false }) }, 0);
  t.teardown(() => health.close());
  const slow = await Promise.all(Array.from({ length: 50 }, () => slowBody(health.port, undefined)));
  t.teardown(() => slow.forEach((s) => (s.stop(), s.socket.destroy())));
  t.equal((await http('GET', `http://127.0.0.1:${health.port}/healthz`)).status, 200, '/healthz answers meanwhile');
  await waitFor('every slow body closed', () => slow.every((s) => s.closed), 30_000);
  t.ok(slow.every((s) => /^HTTP\/1\.1 (404|408)/.test(s.answer)), 'each answered (no such route there, or too slow) and closed');
});
