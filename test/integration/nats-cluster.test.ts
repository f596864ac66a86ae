// own-slot: runs a 3-node NATS cluster (test/run.sh runs it after the other files, alone)
import t from 'tap';
import { readFileSync } from 'node:fs';
import { validateConfig } from '../../gateway/config/load.js';
import { startGateway, testConfig } from '../helpers/gateway.js';
import { NatsCluster } from '../helpers/nats-cluster.js';
import { waitFor } from '../helpers/ports.js';
import { Publisher } from '../helpers/publisher.js';
import { allReceived, checkExact, startClients } from '../helpers/sdk-clients.js';

t.test('the deployments\' gateway configuration (infra/jetgate/cluster.json) starts with the cluster, waits for its quorum, gets R3 streams', async (t) => {
  const cluster = await NatsCluster.start();
  t.teardown(() => cluster.destroy());
  // As in a fresh docker-compose up: the gateway comes up before most of NATS does.
  await Promise.all([cluster.node('n2').server.stop(), cluster.node('n3').server.stop()]);
  const deployed = JSON.parse(readFileSync(new URL('../../../infra/jetgate/cluster.json', import.meta.url), 'utf8')) as { websocket: object };
  const starting = startGateway(validateConfig({
    ...deployed, logLevel: 'error', workers: 1, nats: { servers: cluster.urls, requestTimeoutMs: 1_000 }, websocket: { ...deployed.websocket, host: '127.0.0.1', port: 0 },
  }));
  const began = Date.now();
  let tookMs = 0;
  void starting.then(() => (tookMs = Date.now() - began), () => undefined);
  await new Promise((r) => setTimeout(r, 1_500));
  await Promise.all([cluster.node('n2').server.run(), cluster.node('n3').server.run()]);
  const gw = await starting;
  t.teardown(() => gw.stop());
  t.ok(tookMs >= 1_500, `the gateway waited for JetStream (started after ${tookMs} ms)`);
  for (const s of gw.config.streams) {
    const info = await gw.nats.jsm.streams.info(s.name);
    t.equal(info.config.num_replicas, 3, `${s.name}: R3`);
    t.equal(info.cluster?.replicas?.length, 2, `${s.name}: a leader and two replicas`);
  }
  t.equal(gw.ready().ready, true, 'ready');
});

t.test('a 3-node cluster (R3 stream) loses nodes: clients stay connected and get everything; readiness is honest', async (t) => {
  const cluster = await NatsCluster.start();
  t.teardown(() => cluster.destroy());
  const config = testConfig(cluster.urls[0]!, {
    nats: { servers: cluster.urls, reconnectWaitMs: 100 },
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
  await allReceived(clients, sent.length, 60_000);
  t.not(nodeOf(gw.nats.nc.getServer()), gwNode, `the gateway moved from ${gwNode} to another node`);
  await cluster.node(gwNode).server.run();
  await cluster.waitForQuorum();
  await waitFor('ready', () => gw.ready().ready, 15_000);

  let leader = '';
  await waitFor('the stream leader', async () => !!(leader = (await gw.nats.jsm.streams.info('TEST').catch(() => undefined))?.cluster?.leader ?? ''), 15_000);
  await cluster.restart(leader, 1_000);
  sent.push(...(await pub.publishMany('test.cluster', 100, 'c')));
  await allReceived(clients, sent.length, 60_000);
  await waitFor('the new leader advisory', () => reread.includes('TEST'), 15_000);
  t.pass(`the stream's leader (${leader}) was killed: the gateway re-read the channel when another took over`);
  await cluster.waitForQuorum();

  // Two of three nodes gone: NATS is connected, but JetStream cannot serve.
  const survivor = nodeOf(gw.nats.nc.getServer());
  const others = cluster.nodes.filter((n) => n.name !== survivor);
  await Promise.all(others.map((n) => n.server.stop('SIGKILL')));
  await waitFor('readiness to see JetStream gone', () => !gw.ready().streams, 45_000);
  t.same(gw.ready(), { ready: false, nats: true, streams: false, listening: true, draining: false }, 'not ready without a JetStream quorum, though NATS is connected');
  await Promise.all(others.map((n) => n.server.run()));
  await cluster.waitForQuorum();
  await waitFor('ready again', () => gw.ready().ready, 30_000);
  sent.push(...(await pub.publishMany('test.cluster', 50, 'd')));
  await allReceived(clients, sent.length, 60_000);

  checkExact(t, clients, sent);
  t.ok(clients.every((c) => c.losses.length === 0), 'no client was disconnected by any of it');
});
