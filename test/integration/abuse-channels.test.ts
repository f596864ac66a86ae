/**
 * Attack 3 of the hostile-client review: a flood of new channels (many connections subscribing to
 * channels nobody else has, and connections that churn) against a small channel budget, while a
 * steady client keeps receiving and a good client subscribes to an existing channel and reads its
 * history. Then the window byte budget: windows stay inside it, resumes stay exact, and the bytes
 * go back when the channels do.
 */
import t from 'tap';
import { ErrorCode } from '../../proto/codes.js';
import type { ServerMessage } from '../../proto/codec.js';
import { fixture } from '../helpers/fixture.js';
import { parsePrometheus } from '../helpers/prometheus.js';
import { sleep, waitFor } from '../helpers/ports.js';
import { RawClient } from '../helpers/raw-client.js';
import { steadyClient } from '../helpers/steady-client.js';

const MAX_CHANNELS = 150;
const ATTACK_MS = 4_000;
const MiB = 1024 * 1024;

const codesOf = (msgs: ServerMessage[]) => new Set(msgs.filter((m) => m.error).map((m) => m.error!.code));

t.test('new-channel flood: the channel budget holds, attackers are refused, others are unaffected', async (t) => {
  const f = await fixture(t, {
    limits: { channels: { max: MAX_CHANNELS, lingerSec: 2, createPerSec: 200, createPerConnectionPerSec: 10, createPerConnectionBurst: 30 } },
  });
  const { gw } = f;
  await f.pub.publishMany('test.existing', 20);
  const holder = await f.client();
  t.ok((await holder.request({ subscribe: { channel: 'test:existing' } })).subscribe, 'an existing channel, held by a client');
  const done = await steadyClient(t, f);
  const baseline = gw.hub.size;
  t.equal(baseline, 2, 'baseline: the steady and the existing channel');
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;

  let peak = 0;
  let heapPeak = 0;
  let stop = false;
  const sampler = (async () => {
    while (!stop) {
      peak = Math.max(peak, gw.hub.size);
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
      await sleep(10);
    }
  })();

  // Churners: connect, open 20 new channels, leave, again: their channels linger.
  const churnReplies: ServerMessage[] = [];
  const churning = Array.from({ length: 3 }, async (_, n) => {
    const end = Date.now() + ATTACK_MS;
    for (let round = 0; Date.now() < end; round++) {
      const c = await RawClient.connect(f.url);
      const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => c.request({ subscribe: { channel: `test:churn/${n}/${round}/${i}` } })));
      churnReplies.push(...rs);
      await c.close();
    }
  });

  // Once churned channels linger, flooders: each sends subscribes to new channels as fast as its
  // message rate allows.
  await waitFor('channels left lingering by churners', () => gw.hub.lingering >= 20, 20_000);
  const flooders = await Promise.all(Array.from({ length: 6 }, () => RawClient.connect(f.url)));
  const flooding = flooders.map(async (c, n) => {
    const end = Date.now() + ATTACK_MS;
    for (let i = 0; Date.now() < end; i++) {
      c.send({ id: 10_000 + i, subscribe: { channel: `test:flood/${n}/${i}` } });
      if (i % 10 === 9) await sleep(100);
    }
  });
  // Meanwhile a good client subscribes to the existing channel and reads its history.
  await sleep(1_000);
  const good = await f.client();
  const sub = await good.request({ subscribe: { channel: 'test:existing', rewind: 5 } });
  t.ok(sub.subscribe, 'the good client subscribed to an existing channel during the flood');
  await good.until('its rewind', () => good.pubsOf('test:existing').length >= 5);
  const hist = await good.request({ history: { channel: 'test:existing', limit: 10 } });
  t.equal(hist.history?.publications?.length, 10, 'and read its history');

  await Promise.all([...flooding, ...churning]);
  const during = gw.hub.size;
  stop = true;
  await sampler;

  t.ok(peak <= MAX_CHANNELS, `the channel count stayed within the budget (peak ${peak} of ${MAX_CHANNELS})`);
  t.ok(during > baseline, `the flood did get channels (${during})`);
  const floodCodes = new Set(flooders.flatMap((c) => [...codesOf(c.received)]));
  t.ok(floodCodes.has(ErrorCode.RateLimited), 'a flooder past its own rate of new channels: 1010');
  t.ok(floodCodes.has(ErrorCode.Overloaded), 'past the gateway-wide budget: 1024');
  const refusals = flooders.flatMap((c) => c.received).filter((m) => m.error?.code === ErrorCode.Overloaded || m.error?.code === ErrorCode.RateLimited);
  t.ok(refusals.every((m) => m.error?.temporary), 'both are temporary');
  t.ok(churnReplies.some((m) => m.subscribe), 'churners got channels: lingering ones gave way');
  const stats = gw.telemetry.stats;
  t.ok(stats.channelsEvicted > 0, `idle channels were evicted for new ones (${stats.channelsEvicted})`);
  t.ok(stats.channelRefusals.full + stats.channelRefusals.gateway_rate > 0 && stats.channelRefusals.connection_rate > 0, 'refusals are counted by reason');
  const scrape = parsePrometheus(await (await fetch(`${f.control}/metrics`)).text());
  t.equal(scrape.get('jetgate_channels_refused_total{reason="connection_rate"}'), stats.channelRefusals.connection_rate, 'refusals are in the metrics by reason');
  t.equal(scrape.get('jetgate_channels_evicted_total'), stats.channelsEvicted, 'evictions too');
  t.equal(scrape.type('jetgate_channels_window_bytes'), 'gauge', 'and the window bytes');
  t.ok(heapPeak - heapBefore < 200 * MiB, `heap growth bounded (${Math.round((heapPeak - heapBefore) / MiB)} MiB)`);

  for (const c of flooders) await c.close();
  await waitFor('the channel count back to its baseline', () => gw.hub.size === baseline, 30_000);
  t.equal(gw.hub.size, baseline, 'channels back to the baseline once the attackers left');
  t.equal(good.closeCode, undefined, 'the good client is still connected');
  t.ok((await good.request({ history: { channel: 'test:steady', limit: 1 } })).history, 'and served');
  await done();
});

t.test('window byte budget: windows stay inside it, resumes from further back stay exact, bytes go back', async (t) => {
  const BUDGET = 40_000;
  const f = await fixture(t, {
    limits: { channels: { windowBytes: BUDGET, lingerSec: 1 } },
    namespaces: [{ name: 'test', stream: 'TEST', anonymous: true, window: 1000 }],
  });
  const { gw } = f;
  const channels = ['a', 'b', 'c', 'd'];
  const subs = await f.client();
  const positions = new Map<string, { seq: number; epoch: string }>();
  for (const ch of channels) {
    const r = await subs.request({ subscribe: { channel: `test:win/${ch}` } });
    positions.set(ch, { seq: r.subscribe!.position!.seq ?? 0, epoch: r.subscribe!.position!.epoch ?? '' });
  }
  let peak = 0;
  const published = new Map<string, number[]>();
  for (let round = 0; round < 10; round++) {
    for (const ch of channels) published.set(ch, [...(published.get(ch) ?? []), ...await f.pub.publishMany(`test.win.${ch}`, 20, 'x'.repeat(100))]);
    peak = Math.max(peak, gw.hub.windowBytes);
  }
  await subs.until('every publication live', () => channels.every((ch) => subs.pubsOf(`test:win/${ch}`).length === 200));
  peak = Math.max(peak, gw.hub.windowBytes);
  t.ok(peak <= BUDGET, `all windows together stayed within the budget (peak ${peak} of ${BUDGET})`);
  t.ok(peak > BUDGET / 2, 'and were used');

  // A resume from the start of each channel: partly beyond the windows, served from JetStream.
  const resumer = await f.client();
  const first = await resumer.request({ subscribe: { channel: 'test:win/a', since: positions.get('a') } });
  t.ok(first.subscribe?.recovered, 'resumed');
  await resumer.until('the whole resume', () => resumer.pubsOf('test:win/a').length >= 200);
  t.same(resumer.pubsOf('test:win/a').map((p) => p.seq), published.get('a'), 'every publication, once, in order');

  await subs.close();
  await resumer.close();
  await waitFor('the windows gone with their channels', () => gw.hub.size === 0, 20_000);
  t.equal(gw.hub.windowBytes, 0, 'their bytes are given back');
});
