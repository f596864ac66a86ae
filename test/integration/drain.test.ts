import t from 'tap';
import { GatewayProcess, testConfig } from '../helpers/gateway.js';
import { NatsServer } from '../helpers/nats-server.js';
import { Publisher } from '../helpers/publisher.js';
import { allReceived, checkExact, startClients } from '../helpers/sdk-clients.js';
import { TcpBalancer } from '../helpers/tcp-balancer.js';
import { CloseCode } from '../../proto/codes.js';

const CLIENTS = 200;
const WINDOW_MS = 4_000;

t.test(`SIGTERM with ${CLIENTS} clients: all move to the other gateway within the drain window, none loses a publication, exit 0`, async (t) => {
  const nats = await NatsServer.start();
  t.teardown(() => nats.destroy());
  const pub = await Publisher.connect(nats.url);
  t.teardown(() => pub.close());
  const config = testConfig(nats.url, { shutdown: { drainWindowMs: WINDOW_MS } });
  const a = await GatewayProcess.start(config);
  t.teardown(() => a.stop('SIGKILL'));
  const b = await GatewayProcess.start(config);
  t.teardown(() => b.stop());
  const lb = await TcpBalancer.start(a.port, b.port);
  t.teardown(() => lb.close());

  const clients = await startClients(t, CLIENTS, lb.url(), 'test:drain');
  const nodes = [...new Set(clients.map((c) => c.node))];
  t.equal(nodes.length, 2, 'the balancer spread the clients over both gateways');

  // A steady flow before, during and after the drain.
  const sent: number[] = [];
  let publishing = true;
  const flow = (async () => {
    for (let i = 0; publishing; i++) {
      sent.push(...(await pub.publishMany('test.drain', 5, `p${i}-`)));
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  await allReceived(clients, 50, 20_000);

  const started = Date.now();
  a.stop('SIGTERM');
  const exit = await a.exit;
  const tookMs = Date.now() - started;
  t.equal(exit.code, 0, 'the drained gateway exits 0');
  t.ok(tookMs <= WINDOW_MS + 1_000, `it exited within the window (${tookMs} ms for a ${WINDOW_MS} ms window)`);

  const moved = clients.filter((c) => c.losses.length > 0);
  t.ok(moved.length >= CLIENTS / 4, `the clients of the drained gateway were disconnected (${moved.length})`);
  t.ok(moved.every((c) => c.losses.length === 1 && c.losses[0]!.code === CloseCode.Shutdown), 'once each, with the shutdown code (4005): reconnect',
    { codes: moved.flatMap((c) => c.losses.map((l) => l.code)).join(',') });
  const times = moved.map((c) => c.losses[0]!.at - started).sort((x, y) => x - y);
  const spread = times[times.length - 1]! - times[0]!;
  t.ok(spread >= WINDOW_MS / 2, `disconnects were spread over the window (first after ${times[0]} ms, last after ${times[times.length - 1]} ms)`);
  t.ok(times[times.length - 1]! <= WINDOW_MS, 'all within the window');

  const before = sent.length;
  await new Promise((r) => setTimeout(r, 500));
  publishing = false;
  await flow;
  t.ok(sent.length > before, 'publishing went on after the drain');
  await allReceived(clients, sent.length, 30_000);
  const survivor = [...new Set(clients.map((c) => c.node))];
  t.equal(survivor.length, 1, 'every client is now on the remaining gateway');
  t.ok(moved.every((c) => c.nodes.length === 2 && c.nodes[1] === survivor[0]), 'the moved clients reconnected to it');
  const lastBack = Math.max(...moved.map((c) => c.connectedAt[1]! - started));
  t.ok(lastBack <= WINDOW_MS, `all were back within the window (the last after ${lastBack} ms)`);
  checkExact(t, clients, sent);
});
