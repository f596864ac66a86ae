import t from 'tap';
import { fileURLToPath } from 'node:url';
import { Transcoder } from '../../gateway/schemas/transcoder.js';
import { Pub } from '../../gateway/hub/publication.js';
import { dashboard, lobby } from '../../proto/gen/examples.js';
import { typeName, type MessageType } from '../../producer/index.js';

const files = ['dashboard', 'lobby'].map((f) => fileURLToPath(new URL(`../../../proto/examples/${f}.proto`, import.meta.url)));
const tc = new Transcoder(files);

const player = { id: 'p1', name: 'Ann', ready: true, joinedMs: 1_795_000_000_000, host: true };
/** One filled-in message of every example type, and its canonical JSON (defaults included, 64-bit ints as strings). */
const cases: Array<[MessageType<never>, object, object]> = [
  [dashboard.v1.HostSample, { host: 'api-1', region: 'eu', timeMs: 1_795_000_000_123, cpuPercent: 41.5, memoryPercent: 60, requestsPerSecond: 420, p95LatencyMs: 88, errorRate: 0.002 },
    { host: 'api-1', region: 'eu', timeMs: '1795000000123', cpuPercent: 41.5, memoryPercent: 60, requestsPerSecond: 420, p95LatencyMs: 88, errorRate: 0.002 }],
  [dashboard.v1.Alert, { id: 'a1', host: 'api-1', metric: 'cpu_percent', severity: 3, value: 97, threshold: 85, summary: 'CPU', raisedMs: 5 },
    { id: 'a1', host: 'api-1', metric: 'cpu_percent', severity: 'SEVERITY_CRITICAL', value: 97, threshold: 85, summary: 'CPU', raisedMs: '5', resolvedMs: '0' }],
  [lobby.v1.Player, player, { ...player, joinedMs: '1795000000000' }],
  [lobby.v1.LobbyState, { id: 'abc123', name: 'Friday', players: [player], phase: 1, maxPlayers: 4, createdMs: 1, version: 3 },
    { id: 'abc123', name: 'Friday', players: [{ ...player, joinedMs: '1795000000000' }], phase: 'PHASE_WAITING', maxPlayers: 4, createdMs: '1', startsAtMs: '0', version: '3' }],
  [lobby.v1.PlayerJoined, { lobbyId: 'abc123', player }, { lobbyId: 'abc123', player: { ...player, joinedMs: '1795000000000' } }],
  [lobby.v1.PlayerLeft, { lobbyId: 'abc123', playerId: 'p1', name: 'Ann', reason: 'left' }, { lobbyId: 'abc123', playerId: 'p1', name: 'Ann', reason: 'left' }],
  [lobby.v1.PlayerReady, { lobbyId: 'abc123', playerId: 'p1', name: 'Ann', ready: true }, { lobbyId: 'abc123', playerId: 'p1', name: 'Ann', ready: true }],
  [lobby.v1.ChatMessage, { lobbyId: 'abc123', playerId: 'p1', name: 'Ann', text: 'gl hf ✌', sentMs: 9 }, { lobbyId: 'abc123', playerId: 'p1', name: 'Ann', text: 'gl hf ✌', sentMs: '9' }],
  [lobby.v1.MatchStarting, { lobbyId: 'abc123', startsAtMs: 7, players: [] }, { lobbyId: 'abc123', startsAtMs: '7', players: [] }],
  [lobby.v1.CreateLobby, { playerKey: 'k'.repeat(16), playerName: 'Ann', lobbyName: 'Friday', maxPlayers: 4 }, { playerKey: 'k'.repeat(16), playerName: 'Ann', lobbyName: 'Friday', maxPlayers: 4 }],
  [lobby.v1.JoinLobby, { playerKey: 'k', playerName: 'Bo', lobbyId: 'abc123' }, { playerKey: 'k', playerName: 'Bo', lobbyId: 'abc123' }],
  [lobby.v1.LeaveLobby, { playerKey: 'k', lobbyId: 'abc123' }, { playerKey: 'k', lobbyId: 'abc123' }],
  [lobby.v1.SetReady, { playerKey: 'k', lobbyId: 'abc123', ready: true }, { playerKey: 'k', lobbyId: 'abc123', ready: true }],
  [lobby.v1.SendChat, { playerKey: 'k', lobbyId: 'abc123', text: 'hi' }, { playerKey: 'k', lobbyId: 'abc123', text: 'hi' }],
  [lobby.v1.ListLobbies, {}, {}],
  [lobby.v1.LobbyReply, { lobby: { id: 'abc123' }, playerId: 'p1' },
    { lobby: { id: 'abc123', name: '', players: [], phase: 'PHASE_UNSPECIFIED', maxPlayers: 0, createdMs: '0', startsAtMs: '0', version: '0' }, playerId: 'p1' }],
  [lobby.v1.LobbySummary, { id: 'abc123', name: 'F', players: 2, maxPlayers: 4, phase: 2 }, { id: 'abc123', name: 'F', players: 2, maxPlayers: 4, phase: 'PHASE_STARTING' }],
  [lobby.v1.LobbyList, { lobbies: [{ id: 'abc123' }] }, { lobbies: [{ id: 'abc123', name: '', players: 0, maxPlayers: 0, phase: 'PHASE_UNSPECIFIED' }] }],
];

t.test('every example type: producer bytes -> JSON, and JSON -> the same bytes', async (t) => {
  for (const [type, message, json] of cases) {
    const name = typeName(type);
    const bytes = type.encode(message as never).finish();
    t.same(tc.toJson(name, bytes), json, `${name} to JSON`);
    t.same(tc.fromJson(name, json as never), bytes, `${name} from JSON`);
    t.ok(tc.decodes(name, bytes), `${name} decodes`);
  }
});

t.test('the example schemas hold exactly the types tested here', async (t) => {
  const names = new Set(cases.map(([type]) => typeName(type)));
  const declared: string[] = [];
  for (const pkg of [dashboard.v1, lobby.v1] as Array<Record<string, unknown>>) {
    for (const v of Object.values(pkg)) if (typeof v === 'function' && 'getTypeUrl' in v) declared.push(typeName(v as unknown as MessageType<never>));
  }
  t.same(declared.sort(), [...names].sort());
});

t.test('a publication of an unknown type reaches JSON clients as base64 bytes with its type name', async (t) => {
  const data = Uint8Array.from([8, 150, 1]);
  const rec = { seq: 7, subject: 'x.y', data, type: 'other.v1.Unknown', time: 1, headers: undefined };
  const msg = new Pub('x:y', rec, undefined, tc).message(true);
  t.equal(msg.json, undefined);
  t.same(msg.data, data);
  t.equal(msg.type, 'other.v1.Unknown');
  const line = JSON.parse(new Pub('x:y', rec, undefined, tc).frame('json')) as { pub: { data: string; type: string } };
  t.equal(line.pub.data, Buffer.from(data).toString('base64'), 'base64 on the wire');
  t.equal(line.pub.type, 'other.v1.Unknown');
  t.equal(tc.toJson(undefined, data), undefined, 'no type: bytes');
  t.equal(tc.toJson('dashboard.v1.HostSample', Uint8Array.from([0xff, 0xff])), undefined, 'bytes that do not decode: bytes');
});

t.test('a known type is decoded once per publication, shared by every JSON client', async (t) => {
  const bytes = lobby.v1.ChatMessage.encode({ text: 'once' }).finish();
  const counting = new Transcoder(files);
  let calls = 0;
  const orig = counting.toJson.bind(counting);
  counting.toJson = (type, data) => (calls++, orig(type, data));
  const pub = new Pub('lobby:a', { seq: 1, subject: 'lobby.a', data: bytes, type: 'lobby.v1.ChatMessage', time: 1, headers: undefined }, undefined, counting);
  const frames = new Set(Array.from({ length: 50 }, () => pub.frame('json')));
  t.equal(frames.size, 1);
  t.equal(calls, 1, 'decoded once for 50 sends');
});
