import t from 'tap';
import WebSocket from 'ws';
import { JetgateClient, type Publication } from '../../client/index.js';
import { NatsServer } from '../helpers/nats-server.js';
import { GatewayProcess, testConfig } from '../helpers/gateway.js';
import { Publisher, text } from '../helpers/publisher.js';
import { waitFor } from '../helpers/ports.js';
import { TcpBalancer } from '../helpers/tcp-balancer.js';

for (const format of ['proto', 'json'] as const) {
  t.test(`SDK (${format}): the gateway is killed and restarted; the client reconnects and resumes by itself`, async (t) => {
    const nats = await NatsServer.start();
    t.teardown(() => nats.destroy());
    const pub = await Publisher.connect(nats.url);
    t.teardown(() => pub.close());
    let gw = await GatewayProcess.start(testConfig(nats.url));
    t.teardown(() => gw.stop());
    // Clients reach gateways through a load balancer, as in production.
    const lb = await TcpBalancer.start(gw.port);
    t.teardown(() => lb.close());

    const history = await pub.publishMany('test.room', 5, 'h');
    const client = new JetgateClient({ url: lb.url(), format, WebSocket: WebSocket as never, backoff: { initialMs: 50, maxMs: 500 } });
    t.teardown(() => client.close());
    const got: Publication[] = [];
    const states: string[] = [];
    client.on('state', (s) => states.push(s));
    const sub = client.subscribe('test:room', { rewind: 3, onPublication: (p) => got.push(p) });
    await client.connect();
    await waitFor('rewind 3', () => got.length >= 3);
    t.same(got.map((p) => p.seq), history.slice(-3), 'rewind delivered the last 3');
    const live = await pub.publishMany('test.room', 10, 'l');
    await waitFor('live', () => got.length >= 13);

    await gw.stop('SIGKILL');
    await waitFor('the client to notice', () => client.state !== 'connected');
    const missed = await pub.publishMany('test.room', 300, 'm');
    gw = await GatewayProcess.start(testConfig(nats.url));
    lb.targets = [gw.port];
    await waitFor('the missed ones', () => got.length >= 313, 20_000);
    const after = await pub.publishMany('test.room', 10, 'a');
    await waitFor('live after the restart', () => got.length >= 323, 20_000);

    t.same(got.map((p) => p.seq), [...history.slice(-3), ...live, ...missed, ...after], 'every publication once, in order');
    t.equal(text(got[5]!.data), 'l2', 'payload intact');
    t.ok(states.includes('disconnected') && states.lastIndexOf('connected') > states.indexOf('disconnected'), `reconnected (${states.join(' → ')})`);
    t.equal(sub.position?.seq, after[after.length - 1], 'the subscription tracks its position');
  });
}
