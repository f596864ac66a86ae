import t from 'tap';
import { lobby as pb } from '../../proto/gen/examples.js';
import { typeName } from '../../producer/index.js';
import { playerIdOf } from '../../services/lobby/identity.js';
import { LIMITS, Phase, RuleError, chat, create, isListed, join, leave, setReady, type Lobby, type Outcome } from '../../services/lobby/rules.js';

const types = (o: Outcome) => o.events.map((e) => typeName(e.type));
const ann = { id: 'ann', name: 'Ann' };
const bo = { id: 'bo', name: 'Bo' };
const start = (): Lobby => create('abc123', 'Friday', 2, ann, 1000).lobby!;

t.test('create, join, ready up: the countdown starts when everyone is ready', async (t) => {
  const c = create('abc123', ' Friday  night ', 0, ann, 1000);
  t.same(types(c), ['lobby.v1.PlayerJoined', 'lobby.v1.LobbyState']);
  t.equal(c.lobby?.name, 'Friday night', 'whitespace tidied');
  t.equal(c.lobby?.maxPlayers, LIMITS.defaultPlayers);
  t.ok(c.lobby?.players[0]?.host);
  const j = join(start(), bo, 2000);
  t.same(types(j), ['lobby.v1.PlayerJoined', 'lobby.v1.LobbyState']);
  t.same(join(j.lobby!, bo, 3000).events, [], 'joining again changes nothing');
  const r1 = setReady(j.lobby!, 'ann', true, 3000);
  t.same(types(r1), ['lobby.v1.PlayerReady', 'lobby.v1.LobbyState']);
  const r2 = setReady(r1.lobby!, 'bo', true, 4000);
  t.same(types(r2), ['lobby.v1.PlayerReady', 'lobby.v1.MatchStarting', 'lobby.v1.LobbyState']);
  t.equal(r2.lobby?.phase, Phase.PHASE_STARTING);
  t.equal(r2.lobby?.startsAtMs, 4000 + LIMITS.countdownMs);
  t.equal(r2.lobby?.version, 4, 'every change bumps the version');
  const snap = r2.events.at(-1)!.message as pb.v1.LobbyState.$Properties;
  t.equal(snap.version, 4, 'the snapshot is the new state');
  t.throws(() => join(r2.lobby!, { id: 'cy', name: 'Cy' }, 5000), { code: 'started' });
  t.throws(() => setReady(r2.lobby!, 'bo', false, 5000), { code: 'started' });
  const l = leave(r2.lobby!, 'bo');
  t.equal(l.lobby?.phase, Phase.PHASE_WAITING, 'someone leaving stops the countdown');
});

t.test('"Open lobbies" lists waiting lobbies, full ones too, but not a started match', async (t) => {
  const two = join(start(), bo, 2000).lobby!;
  t.ok(isListed(start()), 'a new lobby is listed');
  t.ok(isListed(two), 'a full one too: a seat frees up when someone leaves');
  const started = setReady(setReady(two, 'ann', true, 3000).lobby!, 'bo', true, 4000).lobby!;
  t.equal(started.phase, Phase.PHASE_STARTING);
  t.notOk(isListed(started), 'everyone ready: the match has started and the lobby leaves the list');
  t.ok(isListed(leave(started, 'bo').lobby!), 'someone leaving stops the countdown: listed again');
});

t.test('the rules refuse what a client must not do', async (t) => {
  const full = join(start(), bo, 2000).lobby!;
  t.throws(() => join(full, { id: 'cy', name: 'Cy' }, 1), { code: 'full' });
  t.throws(() => join(start(), { id: 'cy', name: 'ann' }, 1), { code: 'bad_request' }, 'names are unique, ignoring case');
  t.throws(() => join(start(), { id: 'cy', name: '   ' }, 1), { code: 'bad_request' });
  t.throws(() => join(start(), { id: 'cy', name: 'x'.repeat(LIMITS.name + 1) }, 1), { code: 'bad_request' });
  t.throws(() => chat(start(), 'bo', 'hi', 1), { code: 'not_member' });
  t.throws(() => chat(start(), 'ann', 'x'.repeat(LIMITS.chat + 1), 1), { code: 'bad_request' });
  t.throws(() => chat(start(), 'ann', 'bell\u0007', 1), { code: 'bad_request' });
  t.throws(() => create('abc123', 'F', 9, ann, 1), { code: 'bad_request' });
  t.equal(new RuleError('full', 'x').status, 409);
  const c = chat(start(), 'ann', '  gl   hf ', 5);
  t.same(types(c), ['lobby.v1.ChatMessage'], 'chat changes no state: no snapshot');
  t.equal((c.events[0]!.message as pb.v1.ChatMessage.$Properties).text, 'gl hf');
});

t.test('the host leaves: the longest-waiting player inherits; the last one closes the lobby', async (t) => {
  const two = join(start(), bo, 2000).lobby!;
  const l = leave(two, 'ann');
  t.same(l.lobby?.players.map((p) => [p.id, p.host]), [['bo', true]]);
  const gone = leave(l.lobby!, 'bo');
  t.equal(gone.lobby, null);
  t.same(types(gone), ['lobby.v1.PlayerLeft']);
});

t.test('player ids: from the gateway user, else from the secret key; never the key itself', async (t) => {
  const key = 'k'.repeat(32);
  const anon = { user: '', clientId: 'c', info: undefined };
  const id = playerIdOf(anon, key);
  t.equal(id, playerIdOf({ ...anon, clientId: 'other' }, key), 'stable across connections (page reloads)');
  t.not(id, key);
  t.not(playerIdOf({ user: 'u1', clientId: 'c', info: undefined }, key), id, 'a token user is someone else');
  t.throws(() => playerIdOf(anon, 'short'), { code: 'bad_request' });
});
