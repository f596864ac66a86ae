import t from 'tap';
import WebSocket from 'ws';
import { JetgateClient, type Publication } from '../../client/index.js';
import { ErrorCode } from '../../proto/codes.js';
import { lobby as pb } from '../../proto/gen/examples.js';
import { LobbyService } from '../../services/lobby/service.js';
import { exampleConfig } from '../helpers/examples.js';
import { fixture } from '../helpers/fixture.js';
import { waitFor } from '../helpers/ports.js';

const key = (c: string) => c.repeat(32);

t.test('lobby service through the gateway: RPCs validated, events published, state kept in KV across restarts', async (t) => {
  const { pub, url } = await fixture(t, exampleConfig());
  let svc = await LobbyService.start(pub.nc);
  t.teardown(() => svc.stop());
  const ann = new JetgateClient({ url, format: 'proto', WebSocket: WebSocket as never });
  const bo = new JetgateClient({ url, format: 'json', WebSocket: WebSocket as never });
  t.teardown(() => (ann.close(), bo.close()));
  await Promise.all([ann.connect(), bo.connect()]);

  const created = await ann.rpc('lobby:create', { data: pb.v1.CreateLobby.encode({ playerKey: key('a'), playerName: 'Ann', lobbyName: 'Friday' }).finish(), type: 'lobby.v1.CreateLobby' });
  t.equal(created.type, 'lobby.v1.LobbyReply');
  const reply = pb.v1.LobbyReply.decode(created.data!);
  const id = reply.lobby!.id!;
  t.match(id, /^[a-z0-9]{6}$/);

  const events: Publication[] = [];
  bo.subscribe(`lobby:${id}`, { rewind: 100, onPublication: (p) => events.push(p) });
  const joined = await bo.rpc('lobby:join', { json: { playerKey: key('b'), playerName: 'Bo', lobbyId: id }, type: 'lobby.v1.JoinLobby' });
  t.same((joined.json as { lobby: { players: Array<{ name: string }> } }).lobby.players.map((p) => p.name), ['Ann', 'Bo'], 'JSON reply');
  await ann.rpc('lobby:chat', { data: pb.v1.SendChat.encode({ playerKey: key('a'), lobbyId: id, text: 'gl hf' }).finish(), type: 'lobby.v1.SendChat' });
  await t.rejects(bo.rpc('lobby:chat', { json: { playerKey: key('c'), lobbyId: id, text: 'hi' }, type: 'lobby.v1.SendChat' }), { code: ErrorCode.RpcFailed, message: /not in this lobby \(403\)/ }, 'validated: a stranger cannot chat');
  await t.rejects(bo.rpc('lobby:join', { json: { playerKey: key('c'), playerName: 'x'.repeat(40), lobbyId: id }, type: 'lobby.v1.JoinLobby' }), { code: ErrorCode.RpcFailed, message: /longer than/ });

  // The service restarts: the lobby is still there (NATS KV), and the next change carries on from it.
  await svc.stop();
  await t.rejects(bo.rpc('lobby:list', { json: {}, type: 'lobby.v1.ListLobbies' }), { code: ErrorCode.RpcNoResponders }, 'no service for a moment');
  svc = await LobbyService.start(pub.nc);
  const listed = await bo.rpc('lobby:list', { json: {}, type: 'lobby.v1.ListLobbies' });
  t.same((listed.json as { lobbies: Array<{ id: string; players: number }> }).lobbies.map((l) => [l.id, l.players]), [[id, 2]]);
  await bo.rpc('lobby:ready', { json: { playerKey: key('b'), lobbyId: id, ready: true }, type: 'lobby.v1.SetReady' });
  await ann.rpc('lobby:ready', { data: pb.v1.SetReady.encode({ playerKey: key('a'), lobbyId: id, ready: true }).finish(), type: 'lobby.v1.SetReady' });

  await waitFor('the events', () => events.length >= 10);
  t.same(events.map((e) => e.type), [
    'lobby.v1.PlayerJoined', 'lobby.v1.LobbyState', // create
    'lobby.v1.PlayerJoined', 'lobby.v1.LobbyState', // join
    'lobby.v1.ChatMessage',
    'lobby.v1.PlayerReady', 'lobby.v1.LobbyState',
    'lobby.v1.PlayerReady', 'lobby.v1.MatchStarting', 'lobby.v1.LobbyState',
  ], 'every change, in order, typed');
  const last = events.at(-1)!.json as { version: string; phase: string; players: Array<{ ready: boolean }> };
  t.same([last.version, last.phase, last.players.every((p) => p.ready)], ['4', 'PHASE_STARTING', true], 'the version continued after the restart');
  t.equal((events[4]!.json as { text: string }).text, 'gl hf');

  // The started match leaves "Open lobbies"; a new lobby is listed, the newest first.
  const listedIds = async () => ((await bo.rpc('lobby:list', { json: {}, type: 'lobby.v1.ListLobbies' })).json as { lobbies?: Array<{ id: string }> }).lobbies?.map((l) => l.id) ?? [];
  t.same(await listedIds(), [], 'a started lobby is not listed');
  const create = async (playerKey: string, lobbyName: string) => ((await bo.rpc('lobby:create', { json: { playerKey, playerName: 'Cy', lobbyName }, type: 'lobby.v1.CreateLobby' })).json as { lobby: { id: string; createdMs: string } }).lobby;
  const older = await create(key('c'), 'Older');
  await waitFor('the clock to pass the first creation', () => Date.now() > Number(older.createdMs));
  const newer = await create(key('d'), 'Newer');
  t.same(await listedIds(), [newer.id, older.id], 'every waiting lobby is listed, newest first');
});
