import t from 'tap';
import { CloseCode, UnsubscribeCode } from '../../proto/codes.js';
import { GatewayProcess, testConfig } from '../helpers/gateway.js';
import { http } from '../helpers/http.js';
import { NatsServer } from '../helpers/nats-server.js';
import { RawClient } from '../helpers/raw-client.js';

const KEY = 'cluster-test-key-0123456789';
const idOf = (c: RawClient): string => c.received.find((m) => m.connect)!.connect!.clientId!;

t.test('disconnect and unsubscribe through one node\'s API reach connections on every node', async (t) => {
  const nats = await NatsServer.start();
  t.teardown(() => nats.destroy());
  const config = testConfig(nats.url, { control: { apiKeys: [KEY] } });
  const [gwA, gwB] = [await GatewayProcess.start(config), await GatewayProcess.start(config)];
  t.teardown(() => Promise.all([gwA.stop(), gwB.stop()]));
  const api = (gw: GatewayProcess, path: string, body: unknown) => http('POST', `${gw.controlUrl}/api/v1${path}`, { key: KEY, body });

  const [a1, a2, b1, b2] = await Promise.all([RawClient.connect(gwA.url), RawClient.connect(gwA.url), RawClient.connect(gwB.url), RawClient.connect(gwB.url, 'json')]);
  t.teardown(() => Promise.all([a1, a2, b1, b2].map((c) => c.close())));
  for (const c of [a1, a2, b1, b2]) await c.request({ subscribe: { channel: 'test:room' } });

  const none = await api(gwA, '/disconnect', { user: 'nobody' });
  t.same(none.body, { nodes: 2, affected: 0 }, 'both nodes answer');

  const u = await api(gwA, '/unsubscribe', { clientId: idOf(b2), channel: 'test:room', reason: 'muted' });
  t.same(u.body, { nodes: 2, affected: 1 });
  const pushed = await b2.until('unsubscribed on B', () => b2.received.find((m) => m.unsubscribed)?.unsubscribed);
  t.match(pushed, { channel: 'test:room', code: UnsubscribeCode.ServerUnsubscribe, reason: 'muted' });
  t.equal(b2.closeCode, undefined, 'the connection stays open');

  for (const [via, victim] of [[gwA, b1], [gwB, a1]] as const) {
    const r = await api(via, '/disconnect', { clientId: idOf(victim), reason: 'banned' });
    t.same(r.body, { nodes: 2, affected: 1 }, `through ${via === gwA ? 'A' : 'B'}, on the other node`);
    await victim.until('closed', () => victim.closeCode !== undefined);
    t.equal(victim.closeCode, CloseCode.Kicked);
    t.match(victim.received.find((m) => m.disconnect)?.disconnect, { code: CloseCode.Kicked, reason: 'banned' });
  }
  t.equal(a2.closeCode, undefined, 'other connections are untouched');
  t.equal(b2.closeCode, undefined);
});
