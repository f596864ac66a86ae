import t from 'tap';
import { startGateway, testConfig } from '../helpers/gateway.js';
import { NatsCluster } from '../helpers/nats-cluster.js';
import { waitFor } from '../helpers/ports.js';
import { Publisher } from '../helpers/publisher.js';
import { allReceived, checkExact, startClients } from '../helpers/sdk-clients.js';

t.test('a 3-node cluster (R3 stream) loses nodes: clients stay connected and get everything; readiness is honest', async (t) => {
  const cluster = await NatsCluster.start();
  t.teardown(() => cluster.destroy());
  const config = testConfig(cluster.urls[0]!, {
    nats: { servers: cluster.urls, reconnectWaitMs: 100, requestTimeoutMs: 2_000 },
    streams: [{ name: 'TEST', subjects: ['test.>'], replicas: 3 }],
  });
  const gw = await startGateway(config);
  t.teardown(() => gw.stop());
  const info = await gw.nats.jsm.streams.info('TEST');
  t.equal(info.cluster?.replicas?.length, 2, 'the stream has three replicas');
  const reread: string[] = [];
  const recoverStream = gw.hub.recoverStream.bind(gw.hub);
  gw.hub.recoverStream = (stream) => {
    reread.push(stream);
    recoverStream(stream);
  };
  const pub = await Publisher.connect(cluster.urls);
  t.teardown(() => pub.close());
  const clients = await startClients(t, 10, `ws://127.0.0.1:${gw.port}/ws`, 'test:cluster');
  const sent = await pub.publishMany('test.cluster', 100, 'a');
  await allReceived(clients, sent.length, 20_000);

  const nodeOf = (hostPort: string) => cluster.nodes.find((n) => hostPort.endsWith(`:${n.server.port}`))!.name;
  const gwNode = nodeOf(gw.nats.nc.getServer());
  await cluster.node(gwNode).server.stop('SIGKILL');
  sent.push(...(await pub.publishMany('test.cluster', 100, 'b')));
  await allReceived(clients, sent.length, 30_000);
  t.not(nodeOf(gw.nats.nc.getServer()), gwNode, `the gateway moved from ${gwNode} to another node`);
  await cluster.node(gwNode).server.run();
  await cluster.waitForQuorum();
  await waitFor('ready', () => gw.ready().ready, 15_000);

  const leader = (await gw.nats.jsm.streams.info('TEST')).cluster!.leader!;
  await cluster.restart(leader, 1_000);
  sent.push(...(await pub.publishMany('test.cluster', 100, 'c')));
  await allReceived(clients, sent.length, 30_000);
  await waitFor('the new leader advisory', () => reread.includes('TEST'), 15_000);
  t.pass(`the stream's leader (${leader}) was killed: the gateway re-read the channel when another took over`);
  await cluster.waitForQuorum();

  // Two of three nodes gone: NATS is connected, but JetStream cannot serve.
  const survivor = nodeOf(gw.nats.nc.getServer());
  const others = cluster.nodes.filter((n) => n.name !== survivor);
  await Promise.all(others.map((n) => n.server.stop('SIGKILL')));
  await waitFor('readiness to see JetStream gone', () => !gw.ready().streams, 20_000);
  t.same(gw.ready(), { ready: false, nats: true, streams: false, listening: true, draining: false }, 'not ready without a JetStream quorum, though NATS is connected');
  await Promise.all(others.map((n) => n.server.run()));
  await cluster.waitForQuorum();
  await waitFor('ready again', () => gw.ready().ready, 30_000);
  sent.push(...(await pub.publishMany('test.cluster', 50, 'd')));
  await allReceived(clients, sent.length, 30_000);

  checkExact(t, clients, sent);
  t.ok(clients.every((c) => c.losses.length === 0), 'no client was disconnected by any of it');
});
