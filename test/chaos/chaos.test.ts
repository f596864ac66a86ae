// own-slot: runs a 3-node NATS cluster (test/run.sh runs it after the other files, alone)
/**
 * The chaos test (`make test-chaos`): a 3-node NATS cluster with an R3 stream, two gateway
 * processes behind a round-robin balancer, 60 SDK clients spread over them, and a publisher
 * sending 5,000 sequenced messages while gateways are killed with SIGKILL (twice), the stream's
 * leader node is killed and restarted, and one client stops reading for a while. In the end every
 * client must hold exactly the whole sequence. Recovery times are printed at the end of the run
 * (test-output/reports/chaos.txt) and kept in test-output/chaos.json.
 */
import t, { type Test } from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { GatewayProcess, testConfig } from '../helpers/gateway.js';
import { NatsCluster } from '../helpers/nats-cluster.js';
import { freePort, sleep, waitFor } from '../helpers/ports.js';
import { Publisher } from '../helpers/publisher.js';
import { allReceived, checkExact, startClients, type TrackedClient } from '../helpers/sdk-clients.js';
import { TcpBalancer } from '../helpers/tcp-balancer.js';

const CLIENTS = 60;
const MESSAGES = 5_000;
const PER_SECOND = 250;
const PAYLOAD = 'x'.repeat(100);

interface Fault {
  what: string;
  atMessage: number;
  /** When the killed process was gone (ms since the epoch). */
  at: number;
  /** Clients that lost their connection because of it. */
  affected: number;
  /** Until the cut-off clients were connected again: median and last (ms from the fault). */
  reconnectedMs?: { p50: number; max: number };
  /** Until the first publication acked after the fault reached the clients: median and last. */
  deliveredMs?: { p50: number; max: number };
  /** Until the publisher got its next ack (ms from the fault). */
  publishStallMs?: number;
}

t.test(`chaos: ${CLIENTS} clients, ${MESSAGES} messages, gateways and a NATS node killed, a client pausing`, async (t) => {
  const cluster = await NatsCluster.start();
  t.teardown(() => cluster.destroy());
  const ports = [await freePort(), await freePort()];
  const config = (port: number) => testConfig(cluster.urls[0]!, {
    nats: { servers: cluster.urls, reconnectWaitMs: 100 },
    websocket: { port, maxBufferBytes: 64 * 1024 },
    streams: [{ name: 'TEST', subjects: ['test.>'], replicas: 3 }],
  });
  const gateways = [await GatewayProcess.start(config(ports[0]!)), await GatewayProcess.start(config(ports[1]!))];
  t.teardown(() => Promise.all(gateways.map((g) => g.stop('SIGKILL'))));
  const lb = await TcpBalancer.start(...ports);
  t.teardown(() => lb.close());
  const pub = await Publisher.connect(cluster.urls);
  t.teardown(() => pub.close());

  const clients = await startClients(t, CLIENTS, lb.url(), 'test:chaos');
  t.equal(new Set(clients.map((c) => c.node)).size, 2, 'clients are spread over both gateways');

  const seqs: number[] = [];
  const ackedAt: number[] = [];
  const faults: Fault[] = [];
  const publishing = (async () => {
    const started = Date.now();
    for (let i = 0; i < MESSAGES; i++) {
      seqs.push(await pub.publish('test.chaos', `${i}:${PAYLOAD}`, `chaos-${i}`));
      ackedAt.push(Date.now());
      const due = started + ((i + 1) / PER_SECOND) * 1000;
      if (due > Date.now()) await sleep(due - Date.now());
    }
  })();
  const reach = (n: number) => waitFor(`${n} published`, () => seqs.length >= n, 120_000, 10);

  // A fault's time is when the process is gone, not when the signal was sent.
  const killGateway = async (i: number, atMessage: number) => {
    await reach(atMessage);
    await gateways[i]!.stop('SIGKILL');
    faults.push({ what: `kill -9 gateway ${i + 1}, back after 1 s`, atMessage, at: Date.now(), affected: 0 });
    await sleep(1_000);
    gateways[i] = await GatewayProcess.start(config(ports[i]!));
  };
  const pausing = clients[0]!;
  const scenario = (async () => {
    await reach(600);
    const paused = pausing.pauseFor(6_000);
    await killGateway(0, 1_200);
    await paused;
    await killGateway(1, 2_400);
    await reach(3_600);
    const leader = cluster.node((await (await pub.jsm()).streams.info('TEST')).cluster!.leader!);
    await leader.server.stop('SIGKILL');
    faults.push({ what: `kill -9 NATS ${leader.name} (stream leader), back after 2 s`, atMessage: 3_600, at: Date.now(), affected: 0 });
    await sleep(2_000);
    await leader.server.run();
    await cluster.waitForQuorum();
  })();
  await Promise.all([publishing, scenario]);
  await allReceived(clients, MESSAGES, 120_000);

  t.equal(seqs.length, MESSAGES, `${MESSAGES} publications stored`);
  t.equal(new Set(seqs).size, MESSAGES, 'each stored once (the publisher retried with the same message id)');
  checkExact(t, clients, seqs);
  t.equal(pausing.seqs.length, MESSAGES, `the client that paused its reading holds everything too (its connection losses: ${pausing.losses.map((l) => l.code).join(', ') || 'none'})`);

  // The pausing client's own delays are its pause's: measure recovery on the others.
  for (const f of faults) measure(f, clients.filter((c) => c !== pausing), seqs, ackedAt);
  report(t, faults);
  t.ok(faults.filter((f) => f.what.includes('gateway')).every((f) => f.affected > 0), 'each gateway kill cut clients off');
});

/** Fills in a fault's recovery times from what the clients and the publisher recorded. */
function measure(f: Fault, clients: readonly TrackedClient[], seqs: readonly number[], ackedAt: readonly number[]): void {
  const hit = clients.filter((c) => c.losses.some((l) => l.at >= f.at - 100 && l.at < f.at + 3_000));
  f.affected = hit.length;
  if (hit.length) f.reconnectedMs = spread(hit.map((c) => (c.connectedAt.find((at) => at >= f.at - 100) ?? Infinity) - f.at));
  const next = ackedAt.findIndex((at) => at >= f.at);
  if (next < 0) return;
  f.publishStallMs = ackedAt[next]! - f.at;
  const seq = seqs[next]!;
  f.deliveredMs = spread(clients.map((c) => (c.times[c.seqs.indexOf(seq)] ?? Infinity) - f.at));
}

function spread(ms: number[]): { p50: number; max: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: sorted[Math.floor(sorted.length / 2)]!, max: sorted[sorted.length - 1]! };
}

function report(t: Test, faults: readonly Fault[]): void {
  const ms = (s: { p50: number; max: number } | undefined) => (s ? `${s.p50} ms median, ${s.max} ms max` : '-');
  const rows = faults.map((f) => `  ${f.what} (at message ${f.atMessage}): ${f.affected} clients cut off, reconnected in ${ms(f.reconnectedMs)}; ` +
    `publisher's next ack after ${f.publishStallMs} ms, which reached the clients in ${ms(f.deliveredMs)} (from the fault)`);
  const text = ['Chaos test, recovery times:', ...rows].join('\n');
  t.comment(text);
  // test/run.sh prints the reports after the run, where tap's reporter would have hidden them.
  mkdirSync('test-output/reports', { recursive: true });
  writeFileSync('test-output/reports/chaos.txt', `${text}\n`);
  writeFileSync('test-output/chaos.json', JSON.stringify(faults, null, 2));
}
