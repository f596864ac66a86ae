import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { NatsServer } from '../helpers/nats-server.js';
import { GatewayProcess, startGateway, testConfig } from '../helpers/gateway.js';
import { freePort } from '../helpers/ports.js';
import { RawClient } from '../helpers/raw-client.js';

const CLI = fileURLToPath(new URL('../../gateway/cli.js', import.meta.url));

/** Runs `jetgate serve` until it prints the listening line or exits; returns its output and exit. */
function serve(config: object, env: Record<string, string> = {}): Promise<{ out: string; code: number | null; listening: boolean }> {
  const dir = mkdtempSync(join(tmpdir(), 'jg-start-'));
  writeFileSync(join(dir, 'c.json'), JSON.stringify(config));
  const p = spawn(process.execPath, [CLI, 'serve', '--config', join(dir, 'c.json')], { env: { ...process.env, ...env } });
  let out = '';
  let listening = false;
  return new Promise((resolve) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (!listening && /clients connect to ws:\/\//.test(out)) {
        listening = true;
        p.kill('SIGTERM');
      }
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    p.once('exit', (code) => resolve({ out, code, listening }));
  });
}

t.test('streams: created with RePublish; a stream without it refuses the start with an explanation', async (t) => {
  const nats = await NatsServer.start();
  t.teardown(() => nats.destroy());
  const gw = await startGateway(testConfig(nats.url));
  const info = await gw.nats.jsm.streams.info('TEST');
  t.same(info.config.republish, { src: '>', dest: '_jg.live.>' }, 'declared with the RePublish rule');
  t.equal(info.config.allow_direct, true);
  await gw.stop();

  const nc = await connect({ servers: nats.url });
  t.teardown(() => nc.close());
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'PLAIN', subjects: ['plain.>'] });
  const cfg = testConfig(nats.url, { streams: [{ name: 'PLAIN', subjects: ['plain.>'] }], namespaces: [{ name: 'p', stream: 'PLAIN', anonymous: true }] });
  await t.rejects(startGateway(cfg), { code: 'STREAM_MISMATCH', message: /no RePublish rule.*recreate/s });

  const missing = testConfig(nats.url, { streams: [{ name: 'NOPE', subjects: ['nope.>'], manage: 'verify' }], namespaces: [] });
  await t.rejects(startGateway(missing), { code: 'STREAM_MISSING' });

  const wrongNs = testConfig(nats.url, { namespaces: [{ name: 'x', stream: 'TEST', subject: 'other.{name}', anonymous: true }] });
  await t.rejects(startGateway(wrongNs), { code: 'STREAM_MISMATCH', message: /not all stored by stream TEST/ });

  const more = testConfig(nats.url, { streams: [{ name: 'TEST', subjects: ['test.>', 'more.>'], manage: 'update' }] });
  const gw2 = await startGateway(more);
  t.same((await gw2.nats.jsm.streams.info('TEST')).config.subjects, ['test.>', 'more.>'], 'update adds a subject');
  await gw2.stop();
});

t.test('the gateway refuses the uWebSockets.js JavaScript fallback unless allowed', async (t) => {
  const nats = await NatsServer.start();
  t.teardown(() => nats.destroy());
  const cfg = { ...testConfig(nats.url), nodeId: undefined };
  const refused = await serve(cfg, { UWS_USE_FALLBACK: 'true' });
  t.equal(refused.listening, false);
  t.equal(refused.code, 1);
  t.match(refused.out, /JavaScript fallback.*Refusing to start.*\[UWS_FALLBACK\]/s);
  const allowed = await serve({ ...cfg, websocket: { ...cfg.websocket, allowJsFallback: true } }, { UWS_USE_FALLBACK: 'true' });
  t.equal(allowed.listening, true, 'starts when allowed');
  t.match(allowed.out, /WARNING: uWebSockets.js is running its JavaScript fallback/);
  const normal = await serve(cfg);
  t.equal(normal.listening, true, 'starts on the native binary');
  t.notMatch(normal.out, /fallback/);
});

t.test('a bad configuration stops the start with the key named', async (t) => {
  const r = await serve({ websocket: { port: 'x' } });
  t.equal(r.code, 1);
  t.match(r.out, /invalid configuration: websocket\.port: must be integer/);
});

t.test('a port another process listens on is refused at once; only the workers of one node share a port', async (t) => {
  const nats = await NatsServer.start();
  t.teardown(() => nats.destroy());
  const { createServer } = await import('node:net');
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => blocker.close());
  const blocked = (blocker.address() as { port: number }).port;
  // A long retry window: the refusal must not wait for it.
  await t.rejects(startGateway(testConfig(nats.url, { websocket: { port: blocked, listenRetrySec: 600 } })),
    { code: 'PORT_IN_USE', message: /another process is listening there/ }, 'a plain server on the port: refused');

  // A gateway holds its port exclusively: a second one, single process or supervised workers, is refused.
  const first = await startGateway(testConfig(nats.url, { websocket: { port: await freePort() } }));
  t.teardown(() => first.stop());
  const cfg = { ...testConfig(nats.url, { websocket: { port: first.port, listenRetrySec: 600 } }), nodeId: undefined };
  for (const workers of [1, 2]) {
    const second = await serve({ ...cfg, workers });
    t.notOk(second.listening, `a second jetgate serve (${workers} worker${workers > 1 ? 's' : ''}) did not listen`);
    t.equal(second.code, 1, 'it exited with 1');
    t.match(second.out, /another process is listening there/, 'and said why');
  }
  const c = await RawClient.connect(`ws://127.0.0.1:${first.port}/ws`, 'proto');
  t.ok((await c.request({ ping: {} })).pong, 'the first gateway still serves its port');
  c.close();

  // A node's workers share their port, and nothing else joins them.
  const node = await GatewayProcess.start({ ...testConfig(nats.url, { websocket: { port: await freePort() } }), workers: 2 });
  t.teardown(() => node.stop());
  await t.rejects(startGateway(testConfig(nats.url, { websocket: { port: node.port, listenRetrySec: 600 } })), { code: 'PORT_IN_USE' },
    'a gateway on the port of a running node: refused');
});
