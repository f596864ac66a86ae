/**
 * The game lobby: pick a name, create or join a lobby, see who is in, ready up, chat. Every change
 * goes through an RPC to the lobby service (lobby:create, join, leave, ready, chat, list); what
 * happens arrives as protobuf events on the lobby's channel. A reload rebuilds the page from the
 * channel's history (rewind) and carries on live.
 *
 * The page connects with a token from the demo server (POST /token, as an app's backend would
 * hand one out): the gateway then knows the player (the lobby service gets the verified user id)
 * and shows them in the lobby channel's presence with the name the token carries. "Online now"
 * lists who has the lobby open right now, on any gateway node, kept live by join/leave events.
 */
import type { ClientInfo, JetgateClient, Publication, Subscription } from '../../client/index.js';
import { typeName, type MessageType } from '../../producer/types.js';
import { lobby as pb } from '../../proto/gen/examples.js';
import { avatarColors } from './avatars.js';
import { $, clock, el, loadConfig, newClient, showConnection } from './common.js';

const v1 = pb.v1;
const KEY_STORE = 'jetgate-demo-player-key';
const NAME_STORE = 'jetgate-demo-player-name';
/** Events replayed when a page (re)opens a lobby: enough for the chat and the latest state. */
const HISTORY = 300;

function playerKey(): string {
  let k = localStorage.getItem(KEY_STORE);
  if (!k) {
    k = Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => b.toString(16).padStart(2, '0')).join('');
    localStorage.setItem(KEY_STORE, k);
  }
  return k;
}

async function call<T, R>(client: JetgateClient, method: string, type: MessageType<T>, req: T, reply: { decode(d: Uint8Array): R }): Promise<R> {
  const r = await client.rpc(`lobby:${method}`, { data: type.encode(req).finish(), type: typeName(type) }, { timeoutMs: 5_000 });
  return reply.decode(r.data ?? new Uint8Array());
}

function toast(text: string): void {
  const t = $('#toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(Number(t.dataset.timer));
  t.dataset.timer = String(setTimeout(() => (t.hidden = true), 4_000));
}

const errorText = (e: unknown) => ((e as Error).message || String(e)).replace(/ \(\d{3}\)$/, '');

/** What a token from the demo server says about us. */
interface Identity {
  user: string;
  player: string;
  name: string;
}

/** A presence entry's display name and lobby player id (the token's info). */
const infoOf = (c: ClientInfo) => ({ name: typeof c.info?.name === 'string' ? c.info.name : '', player: typeof c.info?.player === 'string' ? c.info.player : '' });

async function main(): Promise<void> {
  const cfg = await loadConfig();
  const key = playerKey();
  const nameInput = $<HTMLInputElement>('#name');
  nameInput.value = localStorage.getItem(NAME_STORE) ?? '';

  // ---- Connection: authenticated with a token from the demo server ----------------------------
  /** The last token fetched, and the one the current connection was opened with. */
  let fetched: Identity | undefined;
  let identity: Identity | undefined;
  /** This connection's id: our own presence entry. */
  let clientId = '';
  const getToken = async (): Promise<string> => {
    const name = nameInput.value.trim() || (localStorage.getItem(NAME_STORE) ?? '');
    const r = await fetch('/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key, name }) });
    const body = (await r.json().catch(() => ({}))) as { token?: string; user?: string; player?: string; error?: string };
    if (!r.ok || !body.token) throw new Error(`no token: ${body.error ?? `HTTP ${r.status}`}`);
    fetched = { user: body.user ?? '', player: body.player ?? '', name };
    return body.token;
  };
  let client!: JetgateClient;
  let unhook = () => {};
  const makeClient = () => {
    unhook();
    client = newClient(cfg, 'jetgate-demo-lobby', getToken);
    const offs = [
      showConnection(client, $('#conn')),
      client.on('connected', (info) => {
        // The token fetched for this connect (refreshes happen only while connected).
        identity = fetched;
        clientId = info.clientId;
        void refreshList();
      }),
      client.on('state', (s) => $('#online-panel').classList.toggle('stale', s !== 'connected')),
    ];
    unhook = () => offs.forEach((off) => off());
  };
  makeClient();
  /**
   * Presence shows the name of the token a connection was opened with. A name picked or changed
   * since then needs a new connection (with a new token) before entering a lobby.
   */
  const connectAs = async (name: string) => {
    if (client.state !== 'connected' || identity?.name === name) return;
    const old = client;
    makeClient();
    old.close();
    await client.connect();
  };

  let me = '';
  let current: pb.v1.LobbyState | undefined;
  let sub: Subscription | undefined;
  let countdown: ReturnType<typeof setInterval> | undefined;
  const name = () => {
    const n = nameInput.value.trim();
    if (!n) {
      nameInput.focus();
      nameInput.classList.add('invalid');
      throw new Error('Pick a name first');
    }
    localStorage.setItem(NAME_STORE, n);
    return n;
  };
  nameInput.addEventListener('input', () => nameInput.classList.remove('invalid'));

  const show = (view: 'lobbies' | 'room') => {
    $('#view-lobbies').hidden = view !== 'lobbies';
    $('#view-room').hidden = view !== 'room';
    // In a lobby you are who you joined as; leave to play under another name.
    nameInput.disabled = view === 'room';
    nameInput.title = view === 'room' ? 'Leave the lobby to change your name' : '';
  };

  // ---- Lobby list --------------------------------------------------------------------------
  const refreshList = async () => {
    if (client.state !== 'connected' || !$('#view-room').hidden) return;
    try {
      const list = await call(client, 'list', v1.ListLobbies, {}, v1.LobbyList);
      const rows = list.lobbies.map((l) => {
        const li = el('li', 'lobby-row');
        const info = el('div');
        info.append(el('strong', '', l.name ?? ''), el('span', 'muted', ` #${l.id}`));
        const seats = el('span', 'seats', `${l.players}/${l.maxPlayers} players`);
        // The service lists only lobbies still waiting for players; a full one may free a seat.
        const full = (l.players ?? 0) >= (l.maxPlayers ?? 0);
        const btn = el('button', 'btn small', full ? 'Full' : 'Join');
        btn.disabled = full;
        btn.onclick = () => void enter(l.id ?? '');
        li.append(info, seats, btn);
        return li;
      });
      $('#lobby-list').replaceChildren(...(rows.length ? rows : [el('li', 'empty', 'No open lobbies yet. Create the first one!')]));
    } catch (e) {
      $('#lobby-list').replaceChildren(el('li', 'empty', `Lobbies unavailable: ${errorText(e)}`));
    }
  };
  setInterval(() => void refreshList(), 3_000);

  // The player is the token's user (the lobby service reads the gateway's Jetgate-User header):
  // requests carry no player key.
  $<HTMLFormElement>('#create-form').onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      const n = name();
      await connectAs(n);
      const r = await call(client, 'create', v1.CreateLobby, { playerName: n, lobbyName: $<HTMLInputElement>('#lobby-name').value || `${n}'s lobby`, maxPlayers: Number($<HTMLSelectElement>('#max-players').value) }, v1.LobbyReply);
      await open(r);
    } catch (e) {
      toast(errorText(e));
    }
  };
  $<HTMLFormElement>('#code-form').onsubmit = (ev) => {
    ev.preventDefault();
    void enter($<HTMLInputElement>('#code').value.trim().toLowerCase().replace(/^#/, ''));
  };

  async function enter(id: string): Promise<void> {
    try {
      const n = name();
      await connectAs(n);
      await open(await call(client, 'join', v1.JoinLobby, { playerName: n, lobbyId: id }, v1.LobbyReply));
    } catch (e) {
      toast(errorText(e));
      if (location.hash) history.replaceState(null, '', location.pathname);
      show('lobbies');
    }
  }

  // ---- In a lobby --------------------------------------------------------------------------
  async function open(r: pb.v1.LobbyReply): Promise<void> {
    me = r.playerId;
    const id = r.lobby!.id;
    history.replaceState(null, '', `#${id}`);
    $('#feed').replaceChildren();
    render(v1.LobbyState.fromObject(r.lobby ?? {}));
    show('room');
    sub?.unsubscribe();
    resetPresence();
    const channel = `lobby:${id}`;
    sub = client.subscribe(channel, {
      rewind: HISTORY,
      onPublication: onEvent,
      // Joins and leaves are not replayed: the list is fetched on every (re)subscribe, and again
      // once our own join shows the subscription live (events flow from then on).
      onSubscribed: () => void loadPresence(channel),
      onJoin: (c) => {
        presenceEvent('join', c);
        if (c.clientId === clientId) void loadPresence(channel);
      },
      onLeave: (c) => presenceEvent('leave', c),
    });
  }

  // ---- Presence: who has this lobby open right now ---------------------------------------------
  /** Connections subscribed to the lobby's channel, by client id. */
  const online = new Map<string, ClientInfo>();
  /** Events that arrived while the list was being fetched: applied again on top of it. */
  let backlog: Array<['join' | 'leave', ClientInfo]> | undefined;
  let loads = 0;

  function resetPresence(): void {
    loads++;
    backlog = undefined;
    online.clear();
    renderOnline();
  }

  function apply(kind: 'join' | 'leave', c: ClientInfo): void {
    if (kind === 'join') online.set(c.clientId, c);
    else online.delete(c.clientId);
  }

  function presenceEvent(kind: 'join' | 'leave', c: ClientInfo): void {
    backlog?.push([kind, c]);
    apply(kind, c);
    renderOnline();
  }

  async function loadPresence(channel: string): Promise<void> {
    const load = ++loads;
    const events: Array<['join' | 'leave', ClientInfo]> = (backlog = []);
    try {
      const r = await client.presence(channel);
      if (load !== loads || sub?.channel !== channel) return;
      online.clear();
      for (const c of r.clients) online.set(c.clientId, c);
      for (const [kind, c] of events) apply(kind, c);
      renderOnline();
    } catch {
      // Keep what we have; the next (re)subscribe asks again.
    } finally {
      if (load === loads) backlog = undefined;
    }
  }

  /** One row per user, however many tabs they have open. */
  function onlineUsers(): Array<{ user: string; name: string; player: string; tabs: number }> {
    const users = new Map<string, { user: string; name: string; player: string; tabs: number }>();
    for (const c of online.values()) {
      const u = users.get(c.user);
      if (u) u.tabs++;
      else users.set(c.user, { user: c.user, ...infoOf(c), tabs: 1 });
    }
    const mine = identity?.user;
    return [...users.values()].sort((a, b) => Number(b.user === mine) - Number(a.user === mine) || a.name.localeCompare(b.name));
  }

  function renderOnline(): void {
    const users = onlineUsers();
    const roster = current?.players.map((p) => p.id ?? '') ?? [];
    const inRoster = new Set(roster);
    // The roster first, as render() colours it; then those watching.
    const colors = avatarColors([...roster, ...users.map((u) => u.player).filter(Boolean)]);
    $('#online-count').textContent = `${users.filter((u) => u.user).length} online`;
    $('#online').replaceChildren(...(users.length ? users.map((u) => {
      const li = el('li', `online-user ${u.user && u.user === identity?.user ? 'is-me' : ''}`);
      li.dataset.user = u.user;
      li.dataset.name = u.name;
      const label = u.user ? u.name || 'Unnamed player' : 'Anonymous viewers';
      const avatar = el('span', 'avatar small', u.user ? label.slice(0, 1).toUpperCase() : '?');
      if (u.player) avatar.style.background = colors.get(u.player)!;
      avatar.append(el('i', 'status online'));
      const what = [u.user === identity?.user ? 'you' : !u.user ? 'no token' : inRoster.has(u.player) ? 'in the lobby' : 'watching'];
      if (u.tabs > 1) what.push(u.user ? `${u.tabs} tabs` : `${u.tabs} connections`);
      const who = el('div', 'who');
      who.append(el('strong', '', label), el('span', 'muted', what.join(' · ')));
      li.append(avatar, who);
      return li;
    }) : [el('li', 'empty', 'Nobody here yet')]));
    markOnline();
  }

  /** The roster's online/offline dots. */
  function markOnline(): void {
    const players = new Set([...online.values()].map((c) => infoOf(c).player).filter(Boolean));
    document.querySelectorAll<HTMLElement>('#players .player[data-player]').forEach((li) => {
      const on = players.has(li.dataset.player ?? '');
      li.dataset.online = String(on);
      const dot = li.querySelector<HTMLElement>('.status');
      if (dot) {
        dot.className = `status ${on ? 'online' : 'offline'}`;
        dot.title = on ? 'online' : 'offline';
      }
      const state = li.querySelector<HTMLElement>('.presence-state');
      if (state) state.textContent = on ? '' : ' · offline';
    });
  }

  function onEvent(p: Publication): void {
    if (!p.data) return;
    switch (p.type) {
      case 'lobby.v1.LobbyState': return render(v1.LobbyState.decode(p.data));
      case 'lobby.v1.PlayerJoined': {
        const e = v1.PlayerJoined.decode(p.data);
        return note(p, `${e.player?.name} joined`, 'join');
      }
      case 'lobby.v1.PlayerLeft': {
        const e = v1.PlayerLeft.decode(p.data);
        return note(p, `${e.name} left`, 'leave');
      }
      case 'lobby.v1.PlayerReady': {
        const e = v1.PlayerReady.decode(p.data);
        return note(p, e.ready ? `${e.name} is ready` : `${e.name} is not ready`, e.ready ? 'ready' : 'unready');
      }
      case 'lobby.v1.MatchStarting': {
        const e = v1.MatchStarting.decode(p.data);
        return note(p, `Everyone is ready: the match starts at ${clock(e.startsAtMs)}`, 'start');
      }
      case 'lobby.v1.ChatMessage': {
        const e = v1.ChatMessage.decode(p.data);
        const li = el('li', `chat ${e.playerId === me ? 'mine' : ''}`);
        li.dataset.seq = String(p.seq);
        li.append(el('span', 'who', e.name), el('span', 'text', e.text), el('time', '', clock(e.sentMs)));
        return append(li);
      }
    }
  }

  function note(p: Publication, text: string, kind: string): void {
    const li = el('li', `note ${kind}`);
    li.dataset.seq = String(p.seq);
    li.append(el('span', 'text', text), el('time', '', clock(p.time)));
    append(li);
  }

  function append(li: HTMLElement): void {
    const feed = $('#feed');
    const stick = feed.scrollHeight - feed.scrollTop - feed.clientHeight < 40;
    feed.append(li);
    if (stick) feed.scrollTop = feed.scrollHeight;
  }

  function render(s: pb.v1.LobbyState): void {
    if (current && current.id === s.id && s.version < current.version) return;
    current = s;
    $('#room-name').textContent = s.name;
    $('#room-code').textContent = `#${s.id}`;
    $('#room-seats').textContent = `${s.players.length}/${s.maxPlayers} players`;
    const colors = avatarColors(s.players.map((p) => p.id ?? ''));
    $('#players').replaceChildren(...s.players.map((p) => {
      const li = el('li', `player ${p.ready ? 'is-ready' : ''} ${p.id === me ? 'is-me' : ''}`);
      li.dataset.name = p.name ?? '';
      li.dataset.player = p.id ?? '';
      const avatar = el('span', 'avatar', (p.name ?? '?').slice(0, 1).toUpperCase());
      avatar.style.background = colors.get(p.id ?? '')!;
      avatar.append(el('i', 'status'));
      const who = el('div', 'who');
      const role = el('span', 'muted', p.host && p.id === me ? 'host · you' : p.host ? 'host' : p.id === me ? 'you' : 'player');
      role.append(el('span', 'presence-state'));
      who.append(el('strong', '', p.name ?? ''), role);
      li.append(avatar, who, el('span', 'badge', p.ready ? 'Ready' : 'Not ready'));
      return li;
    }), ...Array.from({ length: Math.max(0, s.maxPlayers - s.players.length) }, () => el('li', 'player empty-seat', 'Waiting for a player…')));
    renderOnline();
    const mine = s.players.find((p) => p.id === me);
    const ready = $<HTMLButtonElement>('#ready');
    ready.textContent = mine?.ready ? 'Not ready' : 'Ready up';
    ready.classList.toggle('primary', !mine?.ready);
    ready.disabled = !mine || s.phase === v1.Phase.PHASE_STARTING;
    const banner = $('#starting');
    clearInterval(countdown);
    banner.hidden = s.phase !== v1.Phase.PHASE_STARTING;
    if (!banner.hidden) {
      const tick = () => {
        const left = Math.ceil((s.startsAtMs - Date.now()) / 1000);
        banner.textContent = left > 0 ? `Match starting in ${left}…` : 'Match in progress — good luck!';
      };
      tick();
      countdown = setInterval(tick, 250);
    }
  }

  $('#ready').onclick = async () => {
    const mine = current?.players.find((p) => p.id === me);
    try {
      await call(client, 'ready', v1.SetReady, { lobbyId: current?.id ?? '', ready: !mine?.ready }, v1.LobbyReply);
    } catch (e) {
      toast(errorText(e));
    }
  };
  $('#leave').onclick = async () => {
    try {
      await call(client, 'leave', v1.LeaveLobby, { lobbyId: current?.id ?? '' }, v1.LobbyReply);
    } catch (e) {
      toast(errorText(e));
    }
    sub?.unsubscribe();
    sub = undefined;
    current = undefined;
    resetPresence();
    history.replaceState(null, '', location.pathname);
    show('lobbies');
    void refreshList();
  };
  $<HTMLFormElement>('#chat-form').onsubmit = async (ev) => {
    ev.preventDefault();
    const input = $<HTMLInputElement>('#chat-input');
    const text = input.value.trim();
    if (!text || !current) return;
    input.value = '';
    try {
      await call(client, 'chat', v1.SendChat, { lobbyId: current.id, text }, v1.LobbyReply);
    } catch (e) {
      input.value = text;
      toast(errorText(e));
    }
  };
  $('#copy-link').onclick = () => {
    void navigator.clipboard?.writeText(location.href).then(() => toast('Invite link copied'), () => toast(location.href));
  };

  show('lobbies');
  await client.connect();
  // A reload (or an invite link) lands in the lobby straight away.
  const fromHash = location.hash.slice(1);
  if (fromHash && nameInput.value.trim()) await enter(fromHash);
  else if (fromHash) {
    $<HTMLInputElement>('#code').value = fromHash;
    toast('Pick a name, then join');
  }
}

void main();
