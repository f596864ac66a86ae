import t from 'tap';
import WebSocket from 'ws';
import { JetgateClient, type ClientInfo } from '../../client/index.js';
import type { ServerMessage } from '../../proto/codec.js';
import { ErrorCode } from '../../proto/codes.js';
import { GatewayProcess, testConfig } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';
import { NatsServer } from '../helpers/nats-server.js';
import { waitFor } from '../helpers/ports.js';
import { RawClient } from '../helpers/raw-client.js';

const KEY = 'presence-test-key-0123456789';
const TTL_SEC = 3;

const idOf = (c: RawClient): string => c.received.find((m) => m.connect)!.connect!.clientId!;
const events = (c: RawClient, kind: 'join' | 'leave'): string[] =>
  c.received.filter((m: ServerMessage) => m[kind]?.channel === 'test:lobby').map((m) => m[kind]!.client!.clientId!);
const listed = async (c: RawClient): Promise<string[]> => {
  const r = await c.request({ presence: { channel: 'test:lobby' } });
  if (!r.presence) throw new Error(`presence failed: ${JSON.stringify(r)}`);
  return (r.presence.clients ?? []).map((x) => x.clientId!).sort();
};

t.test('presence across two gateway processes: lists, join/leave, a killed node\'s entries expire', async (t) => {
  const nats = await NatsServer.start();
  t.teardown(() => nats.destroy());
  const config = testConfig(nats.url, {
    control: { apiKeys: [KEY] },
    presence: { ttlSec: TTL_SEC, heartbeatSec: 1 },
    namespaces: [
      { name: 'test', stream: 'TEST', anonymous: true, presence: true },
      { name: 'quiet', stream: 'TEST', subject: 'test.quiet.{name}', anonymous: true },
    ],
  });
  const [gwA, gwB] = [await GatewayProcess.start(config), await GatewayProcess.start(config)];
  t.teardown(() => Promise.all([gwA.stop('SIGKILL'), gwB.stop('SIGKILL')]));

  const a1 = await RawClient.connect(gwA.url);
  t.teardown(() => a1.close());
  await a1.request({ subscribe: { channel: 'test:lobby' } });
  await a1.until('its own join', () => events(a1, 'join').includes(idOf(a1)));

  const b1 = await RawClient.connect(gwB.url, 'json');
  t.teardown(() => b1.close());
  await b1.request({ subscribe: { channel: 'test:lobby' } });
  await a1.until('the join of b1 (other node)', () => events(a1, 'join').includes(idOf(b1)));
  await b1.until('its own join', () => events(b1, 'join').includes(idOf(b1)));
  const join = a1.received.find((m) => m.join?.client?.clientId === idOf(b1))!.join!;
  t.same(join, { channel: 'test:lobby', client: { clientId: idOf(b1) } }, 'join carries the client (anonymous: no user, no info)');

  // The SDK on node B sees joins and leaves and can ask.
  const sdkJoins: ClientInfo[] = [];
  const sdkLeaves: ClientInfo[] = [];
  const sdk = new JetgateClient({ url: gwB.url, WebSocket: WebSocket as never });
  t.teardown(() => sdk.close());
  sdk.subscribe('test:lobby', { onJoin: (c) => sdkJoins.push(c), onLeave: (c) => sdkLeaves.push(c) });
  const info = await sdk.connect();
  await waitFor('the SDK client\'s own join', () => sdkJoins.some((c) => c.clientId === info.clientId));
  await a1.until('the SDK client\'s join on A', () => events(a1, 'join').includes(info.clientId));

  const everyone = [idOf(a1), idOf(b1), info.clientId].sort();
  t.same(await listed(a1), everyone, 'a client on A lists everyone');
  t.same(await listed(b1), everyone, 'a client on B lists everyone');
  t.same((await sdk.presence('test:lobby')).clients.map((c) => c.clientId).sort(), everyone, 'the SDK lists everyone');
  const api = await http('GET', `${gwA.controlUrl}/api/v1/presence?channel=test:lobby`, { key: KEY });
  t.same(api.body.clients.map((c: { clientId: string }) => c.clientId).sort(), everyone, 'the server API lists everyone');
  t.equal(new Set(api.body.clients.map((c: { node: string }) => c.node)).size, 2, 'from both nodes');
  t.equal((await a1.request({ presence: { channel: 'quiet:lobby' } })).error?.code, ErrorCode.PresenceNotEnabled);

  await b1.request({ unsubscribe: { channel: 'test:lobby' } });
  await a1.until('the leave of b1', () => events(a1, 'leave').includes(idOf(b1)));
  await waitFor('the SDK sees the leave', () => sdkLeaves.some((c) => c.clientId === idOf(b1)));
  t.same(await listed(a1), [idOf(a1), info.clientId].sort(), 'b1 is gone from the list');
  sdk.close();
  await a1.until('the leave of the SDK client (closed)', () => events(a1, 'leave').includes(info.clientId));

  const b2 = await RawClient.connect(gwB.url);
  await b2.request({ subscribe: { channel: 'test:lobby' } });
  await a1.until('the join of b2', () => events(a1, 'join').includes(idOf(b2)));
  t.same(await listed(a1), [idOf(a1), idOf(b2)].sort());

  await gwB.stop('SIGKILL');
  const killed = Date.now();
  await waitFor('B\'s entries to expire', async () => (await listed(a1)).length === 1, TTL_SEC * 1000 + 5_000, 100);
  const gone = Date.now() - killed;
  t.same(await listed(a1), [idOf(a1)], 'only the live node\'s client is left');
  // Expiry runs on the NATS server's clock in ~1 s steps; the last heartbeat was at most 1 s before the kill.
  t.ok(gone <= TTL_SEC * 1000 + 1_000, `B's entries were gone ${gone} ms after the kill (TTL ${TTL_SEC} s)`);
});
