import t from 'tap';
import { channelPattern, decodeEntry, encodeEntry, eventSubject, memberKey } from '../../gateway/presence/keys.js';

t.test('KV keys and event subjects of a channel', async (t) => {
  t.equal(memberKey('lobby:42', 'c1'), 'lobby.42.c1');
  t.equal(memberKey('metrics:web-1/cpu', 'c1'), 'metrics.web-1/cpu.c1', '"/" is a plain key character');
  t.equal(channelPattern('lobby:42'), 'lobby.42.*');
  t.not(channelPattern('a:b'), channelPattern('ab:x'), 'no two channels share keys');
  t.equal(eventSubject('_jg.presence', 'lobby:42/x'), '_jg.presence.lobby:42/x', 'one subject token');
});

t.test('entries round-trip; anything else is not an entry', async (t) => {
  const e = { user: 'ann', clientId: 'c1', node: 'n1', info: { name: 'Ann', level: 3 } };
  t.same(decodeEntry(encodeEntry(e)), e);
  t.same(decodeEntry(encodeEntry({ user: '', clientId: 'c2', node: 'n1' })), { user: '', clientId: 'c2', node: 'n1' });
  const enc = new TextEncoder();
  for (const bad of ['', 'not json', 'null', '[]', '{"user":"a","clientId":"c"}', '{"user":1,"clientId":"c","node":"n"}']) {
    t.equal(decodeEntry(enc.encode(bad)), null, bad || '(empty)');
  }
  t.same(decodeEntry(enc.encode('{"user":"a","clientId":"c","node":"n","info":[1]}')), { user: 'a', clientId: 'c', node: 'n' }, 'info must be an object');
});
