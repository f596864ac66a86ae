import t from 'tap';
import WebSocket from 'ws';
import { JetgateClient, type Publication } from '../../client/index.js';
import { CloseCode, ErrorCode, UnsubscribeCode } from '../../proto/codes.js';
import { AUD, authConfig } from '../helpers/auth-setup.js';
import { fixture } from '../helpers/fixture.js';
import { waitFor } from '../helpers/ports.js';
import { inSec, makeKeys, sign } from '../helpers/tokens.js';

const keys = makeKeys();

t.test('SDK: tokens refreshed in-band before they expire; the connection and its subscriptions carry on', async (t) => {
  const { url, pub } = await fixture(t, await authConfig(keys));
  let issued = 0;
  // 3-second tokens: the SDK refreshes about every second, well before each expiry.
  const getToken = () => {
    issued++;
    return sign(keys, 'ES256', { ...AUD, exp: inSec(3), subscribe: ['private:feed'] }, { kid: 'ec1' });
  };
  const client = new JetgateClient({ url, getToken, WebSocket: WebSocket as never });
  t.teardown(() => client.close());
  let connects = 0;
  client.on('connected', () => connects++);
  const got: Publication[] = [];
  const sub = client.subscribe('private:feed', { onPublication: (p) => got.push(p) });
  await client.connect();
  await waitFor('subscribed', () => sub.state === 'subscribed');
  const seqs: number[] = [];
  const until = Date.now() + 7_000;
  while (Date.now() < until) {
    seqs.push(...await pub.publishMany('test.private.feed', 5));
    await new Promise((r) => setTimeout(r, 200));
  }
  await waitFor('every publication', () => got.length >= seqs.length);
  t.ok(issued >= 4, `tokens issued: ${issued} (the first, then refreshes)`);
  t.equal(connects, 1, 'never reconnected: every refresh was in-band');
  t.same(got.map((p) => p.seq), seqs, 'every publication once, in order, across the refreshes');
});

t.test('a token that expires without a refresh closes the connection with 4003', async (t) => {
  const { client, pub } = await fixture(t, await authConfig(keys));
  const exp = inSec(2);
  const c = await client('json', await sign(keys, 'HS256', { ...AUD, exp, subscribe: ['private:feed'] }));
  t.ok((await c.request({ subscribe: { channel: 'private:feed' } })).subscribe);
  await pub.publishMany('test.private.feed', 3);
  await c.until('closed', () => c.closeCode !== undefined, 5_000);
  t.equal(c.closeCode, CloseCode.TokenExpired, 'closed with 4003');
  t.ok(Date.now() >= exp * 1000, 'not before the expiry');
  const notice = c.received.find((m) => m.disconnect)?.disconnect;
  t.equal(notice?.code, CloseCode.TokenExpired, 'a Disconnect push says why first');
  t.notOk(notice?.reconnect, 'reconnect: false (the same token would be refused)');
  t.equal(c.pubs.length, 3, 'it received until then');
});

t.test('refresh: a lost grant ends that subscription (2001); other subscriptions and the connection stay', async (t) => {
  const { client, pub } = await fixture(t, await authConfig(keys));
  const c = await client('proto', await sign(keys, 'RS256', { ...AUD, exp: inSec(600), subscribe: ['private:a', 'private:b'] }));
  for (const channel of ['private:a', 'private:b']) t.ok((await c.request({ subscribe: { channel } })).subscribe, channel);

  const refusals: Array<[string, string, number]> = [
    ['another user', await sign(keys, 'RS256', { ...AUD, sub: 'mallory', subscribe: ['private:a', 'private:b'] }), ErrorCode.BadToken],
    ['an expired token', await sign(keys, 'RS256', { ...AUD, exp: inSec(-10), subscribe: ['private:a'] }), ErrorCode.TokenExpired],
    ['a forged token', (await sign(keys, 'RS256', AUD)).slice(0, -4) + 'AAAA', ErrorCode.BadToken],
    ['no token', '', ErrorCode.BadToken],
  ];
  for (const [what, token, code] of refusals) t.equal((await c.request({ refresh: { token } })).error?.code, code, `${what}: refused with ${code}`);
  t.equal(c.received.filter((m) => m.unsubscribed).length, 0, 'a refused refresh changes nothing');

  const exp = inSec(900);
  const r = await c.request({ refresh: { token: await sign(keys, 'RS256', { ...AUD, exp, subscribe: ['private:b'] }) } });
  t.equal(r.refresh?.expiresAt, exp * 1000, 'refreshed: the new expiry');
  const gone = await c.until('unsubscribed', () => c.received.find((m) => m.unsubscribed)?.unsubscribed);
  t.same([gone.channel, gone.code, !!gone.resubscribe], ['private:a', UnsubscribeCode.PermissionLost, false], 'private:a ended with PermissionLost, not to be resubscribed');
  t.equal(c.received.filter((m) => m.unsubscribed).length, 1, 'only the channel no longer granted');

  const a = await pub.publishMany('test.private.a', 3, 'a');
  const b = await pub.publishMany('test.private.b', 3, 'b');
  await c.until('b', () => c.pubsOf('private:b').length >= 3);
  t.same(c.pubsOf('private:b').map((p) => p.seq), b, 'private:b still delivered');
  t.notOk(c.pubs.some((p) => a.includes(p.seq ?? 0)), 'nothing more from private:a');
  t.equal((await c.request({ subscribe: { channel: 'private:a' } })).error?.code, ErrorCode.PermissionDenied, 'and it cannot be subscribed again');
});

t.test('an anonymous connection has nothing to refresh', async (t) => {
  const { client } = await fixture(t, await authConfig(keys));
  const c = await client();
  t.equal((await c.request({ refresh: { token: await sign(keys, 'HS256', AUD) } })).error?.code, ErrorCode.BadToken);
});
