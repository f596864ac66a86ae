/**
 * The game lobby: pick a name, create or join a lobby, see who is in, ready up, chat. Every change
 * goes through an RPC to the lobby service (lobby:create, join, leave, ready, chat, list); what
 * happens arrives as protobuf events on the lobby's channel. A reload rebuilds the page from the
 * channel's history (rewind) and carries on live.
 */
import type { JetgateClient, Publication, Subscription } from '../../client/index.js';
import { lobby as pb } from '../../proto/gen/examples.js';
import { clock, el, loadConfig, newClient, showConnection } from './common.js';

const v1 = pb.v1;
const KEY_STORE = 'jetgate-demo-player-key';
const NAME_STORE = 'jetgate-demo-player-name';
/** Events replayed when a page (re)opens a lobby: enough for the chat and the latest state. */
const HISTORY = 300;

const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;

function playerKey(): string {
  let k = localStorage.getItem(KEY_STORE);
  if (!k) {
    k = Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => b.toString(16).padStart(2, '0')).join('');
    localStorage.setItem(KEY_STORE, k);
  }
  return k;
}

type Encoder<T> = { encode(m: T): { finish(): Uint8Array }; getTypeUrl(p?: string): string };

async function call<T, R>(client: JetgateClient, method: string, type: Encoder<T>, req: T, reply: { decode(d: Uint8Array): R }): Promise<R> {
  const url = type.getTypeUrl('');
  const r = await client.rpc(`lobby:${method}`, { data: type.encode(req).finish(), type: url.slice(url.indexOf('/') + 1) }, { timeoutMs: 5_000 });
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

async function main(): Promise<void> {
  const cfg = await loadConfig();
  const client = newClient(cfg, 'jetgate-demo-lobby');
  showConnection(client, $('#conn'));
  const key = playerKey();
  let me = '';
  let current: pb.v1.LobbyState | undefined;
  let sub: Subscription | undefined;
  let countdown: ReturnType<typeof setInterval> | undefined;

  const nameInput = $<HTMLInputElement>('#name');
  nameInput.value = localStorage.getItem(NAME_STORE) ?? '';
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
        const full = (l.players ?? 0) >= (l.maxPlayers ?? 0) || l.phase === v1.Phase.PHASE_STARTING;
        const btn = el('button', 'btn small', full ? (l.phase === v1.Phase.PHASE_STARTING ? 'Starting' : 'Full') : 'Join');
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
  client.on('connected', () => void refreshList());

  $<HTMLFormElement>('#create-form').onsubmit = async (ev) => {
    ev.preventDefault();
    try {
      const r = await call(client, 'create', v1.CreateLobby, { playerKey: key, playerName: name(), lobbyName: $<HTMLInputElement>('#lobby-name').value || `${name()}'s lobby`, maxPlayers: Number($<HTMLSelectElement>('#max-players').value) }, v1.LobbyReply);
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
      await open(await call(client, 'join', v1.JoinLobby, { playerKey: key, playerName: name(), lobbyId: id }, v1.LobbyReply));
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
    sub = client.subscribe(`lobby:${id}`, { rewind: HISTORY, onPublication: onEvent });
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
    $('#players').replaceChildren(...s.players.map((p) => {
      const li = el('li', `player ${p.ready ? 'is-ready' : ''} ${p.id === me ? 'is-me' : ''}`);
      li.dataset.name = p.name ?? '';
      const avatar = el('span', 'avatar', (p.name ?? '?').slice(0, 1).toUpperCase());
      avatar.style.background = `hsl(${[...(p.id ?? '')].reduce((a, c) => a + c.charCodeAt(0) * 7, 0) % 360} 55% 45%)`;
      const who = el('div', 'who');
      who.append(el('strong', '', p.name ?? ''), el('span', 'muted', p.host ? 'host' : p.id === me ? 'you' : 'player'));
      if (p.host && p.id === me) (who.lastChild as HTMLElement).textContent = 'host · you';
      li.append(avatar, who, el('span', 'badge', p.ready ? 'Ready' : 'Not ready'));
      return li;
    }), ...Array.from({ length: Math.max(0, s.maxPlayers - s.players.length) }, () => el('li', 'player empty-seat', 'Waiting for a player…')));
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
      await call(client, 'ready', v1.SetReady, { playerKey: key, lobbyId: current?.id ?? '', ready: !mine?.ready }, v1.LobbyReply);
    } catch (e) {
      toast(errorText(e));
    }
  };
  $('#leave').onclick = async () => {
    try {
      await call(client, 'leave', v1.LeaveLobby, { playerKey: key, lobbyId: current?.id ?? '' }, v1.LobbyReply);
    } catch (e) {
      toast(errorText(e));
    }
    sub?.unsubscribe();
    sub = undefined;
    current = undefined;
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
      await call(client, 'chat', v1.SendChat, { playerKey: key, lobbyId: current.id, text }, v1.LobbyReply);
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
