import t from 'tap';
import { GatewayProcess, testConfig } from '../helpers/gateway.js';
import { NatsServer } from '../helpers/nats-server.js';
import { waitFor } from '../helpers/ports.js';
import { Publisher } from '../helpers/publisher.js';
import { allReceived, checkExact, startClients } from '../helpers/sdk-clients.js';
import { Supervisor } from '../../gateway/supervisor/supervisor.js';
import { createLogger } from '../../gateway/log.js';

t.test('--workers 2: both workers serve clients on one port; a killed worker is restarted and its clients resume', async (t) => {
  const nats = await NatsServer.start();
  t.teardown(() => nats.destroy());
  const pub = await Publisher.connect(nats.url);
  t.teardown(() => pub.close());
  // Info logs: the test follows the supervisor's account of its workers.
  const gw = await GatewayProcess.start(testConfig(nats.url, { logLevel: 'info' }), ['--workers', '2']);
  t.teardown(() => gw.stop('SIGKILL'));

  const clients = await startClients(t, 40, gw.url, 'test:workers');
  const nodes = [...new Set(clients.map((c) => c.node))].sort();
  t.match(nodes, [/-w1$/, /-w2$/], 'clients on the one port are served by both workers');
  const first = await pub.publishMany('test.workers', 100, 'a');
  await allReceived(clients, 100, 20_000);

  const victim = gw.logs('worker listening').find((l) => l.worker === 1)!.pid as number;
  const onVictim = clients.filter((c) => c.node?.endsWith('-w1'));
  process.kill(victim, 'SIGKILL');
  const second = await pub.publishMany('test.workers', 100, 'b');
  await waitFor('worker 1 restarted', () => gw.logs('worker listening').filter((l) => l.worker === 1).length === 2, 20_000);
  const exited = gw.logs('worker exited; restarting it');
  t.match(exited, [{ worker: 1, pid: victim, signal: 'SIGKILL' }], 'the crash was logged');
  t.not(gw.logs('worker listening').filter((l) => l.worker === 1)[1]!.pid, victim, 'a new process took its place');

  await allReceived(clients, 200, 30_000);
  checkExact(t, clients, [...first, ...second]);
  t.ok(onVictim.length > 0 && onVictim.every((c) => c.losses.length === 1), `the ${onVictim.length} clients of the killed worker reconnected once`);

  const ready = await fetch(`${gw.controlUrl}/readyz`);
  t.same([ready.status, await ready.json()], [200, { status: 'ready', checks: { nats: true, streams: true, listening: true, draining: false } }],
    'the node\'s /readyz, served by the supervisor, is ready');
  const workerPorts = gw.logs('control plane listening').map((l) => l.port as number).slice(-2);
  const open = await Promise.all(workerPorts.map(async (p) => {
    const text = await (await fetch(`http://127.0.0.1:${p}/metrics`)).text();
    return Number(/^jetgate_connections(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1]);
  }));
  t.equal(open.reduce((a, b) => a + b, 0), clients.length, 'each worker serves its own /metrics; their connections add up to the clients');

  const later = await startClients(t, 20, gw.url, 'test:workers');
  t.equal(new Set(later.map((c) => c.node)).size, 2, 'new clients are served by both workers again');
  t.equal(await gw.stop('SIGTERM'), 0, 'SIGTERM drains every worker; the supervisor exits 0');
  t.equal(gw.logs('drained').length, 2, 'both workers drained');
});

t.test('a supervised node reports readiness from its workers', async (t) => {
  const nats = await NatsServer.start();
  t.teardown(() => nats.destroy());
  const config = testConfig(nats.url, { nats: { reconnectWaitMs: 100 } });
  const sup = await Supervisor.start(config, createLogger('warn'), 2);
  t.teardown(() => sup.drain().catch(() => undefined));
  await waitFor('both workers report', () => sup.workers().every((w) => w.readiness?.ready));
  t.same(sup.ready(), { ready: true, nats: true, streams: true, listening: true, draining: false }, 'ready');
  const readyz = async () => {
    const r = await fetch(`http://127.0.0.1:${sup.controlPort}/readyz`);
    return { status: r.status, ...(await r.json() as { checks: object }).checks };
  };
  t.same(await readyz(), { status: 200, nats: true, streams: true, listening: true, draining: false }, '/readyz on the node\'s control port says so');

  process.kill(sup.workers()[0]!.pid!, 'SIGKILL');
  await waitFor('the supervisor to notice', () => sup.workers()[0]!.readiness === undefined);
  t.equal(sup.ready().ready, true, 'still ready while one worker restarts (the other serves the port)');
  await waitFor('the worker to come back', () => sup.workers()[0]!.readiness?.ready === true, 20_000);

  await nats.stop();
  await waitFor('NATS down to show', () => !sup.ready().nats);
  t.same(sup.ready(), { ready: false, nats: false, streams: true, listening: true, draining: false }, 'not ready without NATS');
  t.same(await readyz(), { status: 503, nats: false, streams: true, listening: true, draining: false }, '/readyz: 503');
  await nats.run();
  await waitFor('ready again', () => sup.ready().ready, 20_000);
  t.pass('ready again once NATS is back');
});
