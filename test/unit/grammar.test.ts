import t from 'tap';
import { ChannelResolver } from '../../gateway/channels/grammar.js';
import { validateConfig } from '../../gateway/config/load.js';
import { ErrorCode } from '../../proto/codes.js';
import { ClientError } from '../../gateway/errors.js';

const config = validateConfig({
  streams: [{ name: 'S', subjects: ['app.>'] }],
  namespaces: [
    { name: 'lobby', stream: 'S', subject: 'app.lobby.{name}' },
    { name: 'metrics', stream: 'S', subject: 'app.{ns}.{name}.v1', allowWildcards: true },
  ],
});
const r = new ChannelResolver(config);

function code(f: () => unknown): number | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof ClientError ? e.code : -1;
  }
  return undefined;
}

t.test('valid channels map through the namespace template', async (t) => {
  const a = r.resolve('lobby:42');
  t.equal(a.subject, 'app.lobby.42');
  t.equal(a.liveSubject, '_jg.live.app.lobby.42');
  t.equal(a.wildcard, false);
  t.equal(r.resolve('lobby:eu/room-1/A_b').subject, 'app.lobby.eu.room-1.A_b', '"/" separates segments');
  t.equal(r.resolve('metrics:web-1/cpu').subject, 'app.metrics.web-1.cpu.v1', '{ns} and a suffix');
  const w = r.resolve('metrics:*/cpu');
  t.equal(w.subject, 'app.metrics.*.cpu.v1');
  t.equal(w.wildcard, true);
  t.equal(r.resolve('metrics:>').subject, 'app.metrics.>.v1');
  t.equal(r.relativeName(w.namespace, 'app.metrics.web-1.cpu.v1'), 'web-1/cpu');
});

t.test('nothing a client writes reaches a subject unchecked', async (t) => {
  const bad = ['lobby:a.b', 'lobby:a.>', 'lobby:*', 'lobby:>', 'lobby:a b', 'lobby:a\tb', 'lobby:a\u0000', 'lobby:ｌ', 'lobby:а', 'lobby:', 'lobby:/a',
    'lobby:a//b', 'lobby', ':a', 'Lobby:a', 'metrics:a>/b', 'metrics:>/a', 'metrics:a*', 'lobby:' + 'x'.repeat(300), 'lobby:' + 'y'.repeat(65)];
  for (const c of bad) t.equal(code(() => r.resolve(c)), ErrorCode.BadChannel, JSON.stringify(c.slice(0, 24)));
  t.equal(code(() => r.resolve('chat:a')), ErrorCode.UnknownNamespace);
  t.equal(code(() => r.resolve(42)), ErrorCode.BadChannel, 'not a string');
});

