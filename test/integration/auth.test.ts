import t from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { encodeClient, joinFrames } from '../../proto/codec.js';
import { CloseCode, ErrorCode } from '../../proto/codes.js';
import { AUD, authConfig } from '../helpers/auth-setup.js';
import { fixture } from '../helpers/fixture.js';
import { RawClient } from '../helpers/raw-client.js';
import { inSec, makeKeys, sign, signHs256With, tamper, unsigned } from '../helpers/tokens.js';

const keys = makeKeys();

t.test('connect: valid tokens of each algorithm pass; each bad one is refused with its code, then closed with 4002', async (t) => {
  const { url } = await fixture(t, await authConfig(keys));
  const attempt = async (token: string, format: 'proto' | 'json' = 'proto') => {
    const c = await RawClient.open(url, format);
    t.teardown(() => c.close());
    const reply = await c.request({ connect: { token } });
    if (reply.error) await c.until('the close', () => c.closeCode !== undefined);
    return { reply, closeCode: c.closeCode };
  };
  for (const alg of ['HS256', 'RS256', 'ES256'] as const) {
    const exp = inSec(600);
    const { reply, closeCode } = await attempt(await sign(keys, alg, { ...AUD, exp }, alg === 'ES256' ? { kid: 'ec1' } : {}));
    t.equal(reply.connect?.expiresAt, exp * 1000, `${alg}: connected; expiresAt is the token's exp in ms`);
    t.equal(closeCode, undefined, `${alg}: still open`);
  }
  const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const refused: Array<[string, string, number]> = [
    ['expired', await sign(keys, 'HS256', { ...AUD, exp: inSec(-60) }), ErrorCode.TokenExpired],
    ['not yet valid', await sign(keys, 'RS256', { ...AUD, nbf: inSec(3600) }), ErrorCode.BadToken],
    ['wrong key', await new SignJWT({ sub: 'a', exp: inSec(60), ...AUD }).setProtectedHeader({ alg: 'RS256' }).sign(otherRsa), ErrorCode.BadToken],
    ['alg: none', unsigned(AUD), ErrorCode.BadToken],
    ['HS/RS confusion', await signHs256With(keys.rsa.publicPem, AUD), ErrorCode.BadToken],
    ['tampered payload', tamper(await sign(keys, 'RS256', AUD), { subscribe: ['*:>'] }), ErrorCode.BadToken],
    ['wrong audience', await sign(keys, 'HS256', { aud: 'another-app' }), ErrorCode.BadToken],
    ['garbage', 'not-a-token', ErrorCode.BadToken],
  ];
  for (const [what, token, code] of refused) {
    for (const format of ['proto', 'json'] as const) {
      const { reply, closeCode } = await attempt(token, format);
      t.equal(reply.error?.code, code, `${what} (${format}): error ${code}`);
      t.equal(closeCode, CloseCode.Unauthorized, `${what} (${format}): closed with 4002`);
    }
  }
  const anon = await attempt('');
  t.ok(anon.reply.connect, 'no token: connected anonymously');
  t.equal(anon.reply.connect?.expiresAt ?? 0, 0, 'anonymous connections do not expire');
});

t.test('requests sent right behind connect wait for the token check', async (t) => {
  const { url, pub } = await fixture(t, await authConfig(keys));
  const c = await RawClient.open(url, 'proto');
  t.teardown(() => c.close());
  const token = await sign(keys, 'RS256', { ...AUD, subscribe: ['private:room'] });
  c.sendRaw(Buffer.from(joinFrames('proto', [encodeClient('proto', { id: 1, connect: { token } }), encodeClient('proto', { id: 2, subscribe: { channel: 'private:room' } })])));
  await c.until('both replies', () => c.received.some((m) => m.id === 2));
  t.ok(c.received.find((m) => m.id === 1)?.connect, 'connected');
  t.ok(c.received.find((m) => m.id === 2)?.subscribe, 'subscribed with the token\'s grant');
  const seqs = await pub.publishMany('test.private.room', 3);
  await c.until('3 publications', () => c.pubs.length >= 3);
  t.same(c.pubs.map((p) => p.seq), seqs);
});

t.test('authorization on a live gateway: subscribe and history, per grant and namespace', async (t) => {
  const { client, pub } = await fixture(t, await authConfig(keys));
  await pub.publishMany('test.private.room', 2);
  const anon = await client();
  const reader = await client('proto', await sign(keys, 'HS256', { ...AUD, sub: 'ann', subscribe: ['private:room', 'metrics:>'] }));
  const bob = await client('json', await sign(keys, 'HS256', { ...AUD, sub: 'bob', subscribe: ['metrics:web-1/cpu'] }));
  const code = async (c: RawClient, msg: Parameters<RawClient['request']>[0]) => {
    const r = await c.request(msg);
    return r.error ? r.error.code : 'ok';
  };
  const rows: Array<[string, RawClient, 'subscribe' | 'history', string, number | 'ok']> = [
    ['anonymous', anon, 'subscribe', 'test:lobby', 'ok'],
    ['anonymous', anon, 'history', 'test:lobby', 'ok'],
    ['anonymous', anon, 'subscribe', 'private:room', ErrorCode.PermissionDenied],
    ['anonymous', anon, 'history', 'private:room', ErrorCode.PermissionDenied],
    ['anonymous', anon, 'subscribe', 'user:ann', ErrorCode.PermissionDenied],
    ['ann', reader, 'subscribe', 'private:room', 'ok'],
    ['ann', reader, 'history', 'private:room', 'ok'],
    ['ann', reader, 'subscribe', 'private:other', ErrorCode.PermissionDenied],
    ['ann', reader, 'history', 'private:other', ErrorCode.PermissionDenied],
    ['ann', reader, 'subscribe', 'test:lobby', 'ok'],
    ['ann', reader, 'subscribe', 'user:ann', 'ok'],
    ['ann', reader, 'history', 'user:ann', 'ok'],
    ['ann', reader, 'subscribe', 'user:bob', ErrorCode.PermissionDenied],
    ['ann', reader, 'subscribe', 'metrics:*/cpu', 'ok'],
    ['bob', bob, 'subscribe', 'metrics:web-1/cpu', 'ok'],
    ['bob', bob, 'subscribe', 'metrics:*/cpu', ErrorCode.PermissionDenied],
    ['bob', bob, 'history', 'metrics:web-2/cpu', ErrorCode.PermissionDenied],
    ['bob', bob, 'subscribe', 'user:bob', 'ok'],
    ['bob', bob, 'subscribe', 'private:room', ErrorCode.PermissionDenied],
  ];
  for (const [who, c, action, channel, expected] of rows) {
    t.equal(await code(c, { [action]: { channel } }), expected, `${who} ${action} ${channel}: ${expected === 'ok' ? 'allowed' : 'denied'}`);
  }
  const h = await reader.request({ history: { channel: 'private:room' } });
  t.equal(h.history?.publications?.length, 2, 'history delivers what was granted');
});
