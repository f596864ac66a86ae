import t from 'tap';
import { connect } from '@nats-io/transport-node';
import { ErrorCode } from '../../proto/codes.js';
import { fixture } from '../helpers/fixture.js';
import { freePort, sleep } from '../helpers/ports.js';
import { RawClient } from '../helpers/raw-client.js';

// Every hostile string carries "vil": nothing with it may show up on NATS.
const HOSTILE = [
  'test:evil.x', 'test:evil.>', 'test:evil*', 'test:evil>', 'test:evil/>', 'test:evil/*', 'test:*', 'test:>',
  'test:evil x', 'test:evil\tx', 'test:evil\r\nPUB _jg.live.test.x 1\r\nx', 'test:evil\u0000', 'test:evil\u007f',
  'test:ｅvil', 'test:evil\u2024x', 'test:evil\u00a0x', 'test:evil\u200bx', 'test:еvil', 'test:evil/../x', 'test:evil//x',
  'test:evil/', 'test:/evil', 'evil.>:x', '*:evil', '>:evil', 'test.evil:x', 'test:evil:x', 'TEST:evil', ' test:evil',
  'metrics:evil.x', 'metrics:evil x', 'metrics:evil/>/x', 'metrics:>evil', 'metrics:evil*',
  'test:evil' + 'x'.repeat(50_000),
];

t.test('hostile channel names and fields never reach NATS as subjects (or anywhere else)', async (t) => {
  const monitor = await freePort();
  const f = await fixture(t, {
    namespaces: [
      { name: 'test', stream: 'TEST', anonymous: true, window: 100 },
      { name: 'metrics', stream: 'TEST', subject: 'test.metrics.{name}', anonymous: true, allowWildcards: true },
    ],
  }, undefined, ['-m', String(monitor)]);
  // A wiretap on everything the account carries, JetStream API requests included.
  const tap = await connect({ servers: f.nats.url });
  t.teardown(() => tap.close());
  const seen: string[] = [];
  for (const subject of ['>', '$JS.API.>']) {
    tap.subscribe(subject, { callback: (_e, m) => void seen.push(`${m.subject} ${m.string()}`) });
  }
  await tap.flush();

  for (const format of ['proto', 'json'] as const) {
    const c = await f.client(format);
    for (const channel of HOSTILE) {
      for (const msg of [{ subscribe: { channel } }, { history: { channel } }, { unsubscribe: { channel } }, { subscribe: { channel, since: { seq: 1, epoch: channel.slice(0, 64) } } }]) {
        const r = await c.request(msg);
        t.ok(r.error && ([ErrorCode.BadChannel, ErrorCode.UnknownNamespace, ErrorCode.NotSubscribed] as number[]).includes(r.error.code ?? 0),
          `${format} ${Object.keys(msg)[0]} ${JSON.stringify(channel.slice(0, 24))}: refused (${r.error?.code})`) || t.comment(JSON.stringify(r));
      }
    }
    // Fields that are not channels: odd values are refused or harmless, never passed on.
    const odd = [
      { subscribe: { channel: 'test:fine', since: { seq: 1, epoch: 'evil\r\n>' } } },
      { subscribe: { channel: 'test:fine2', rewind: 4_294_967_295 } },
      { history: { channel: 'test:fine', fromSeq: Number.MAX_SAFE_INTEGER, limit: 4_294_967_295 } },
    ];
    for (const msg of odd) t.ok(await c.request(msg), `${format}: ${JSON.stringify(msg).slice(0, 60)} answered`);
    const named = await RawClient.open(f.url, format);
    t.teardown(() => named.close());
    t.ok((await named.request({ connect: { name: 'evil\r\nPUB x 1\r\n' + 'x'.repeat(10_000) } })).connect, 'a hostile client name is only a name');
  }
  // Something legitimate, so the wiretap is known to see what the gateway sends.
  const ok = await f.client();
  t.ok((await ok.request({ history: { channel: 'test:legit' } })).history);
  await sleep(500);
  await tap.flush();
  t.ok(seen.some((s) => s.includes('test.legit')), 'the wiretap sees the gateway\'s JetStream requests');
  const leaks = seen.filter((s) => /vil/i.test(s));
  t.same(leaks, [], 'nothing hostile reached NATS');

  // The subscriptions nats-server holds for the gateway: live subjects of valid channels and inboxes only.
  const connz = await (await fetch(`http://127.0.0.1:${monitor}/connz?subs=1`)).json() as { connections: Array<{ name?: string; subscriptions_list?: string[] }> };
  const gatewaySubs = connz.connections.filter((c) => c.name?.startsWith('jetgate')).flatMap((c) => c.subscriptions_list ?? []);
  t.ok(gatewaySubs.includes('_jg.live.test.fine'), 'the gateway subscribed what it should');
  t.same(gatewaySubs.filter((s) => !/^(_jg\.live\.test\.[A-Za-z0-9_-]+|_INBOX\.[A-Za-z0-9.*>]+|\$JS\.EVENT\.ADVISORY\.STREAM\.LEADER_ELECTED\.\*|_jg\.ctl\.command)$/.test(s)), [], `only well-formed subjects (${gatewaySubs.join(', ')})`);
});
