/**
 * Cluster-wide commands of the server API (disconnect, unsubscribe): the node that takes the API
 * call publishes the command on a core NATS subject every gateway node listens on; each applies it
 * to its own connections and answers with how many it touched.
 */
import { CloseCode, ErrorCode, UnsubscribeCode } from '../../proto/codes.js';
import { parseJson } from '../../proto/safe-json.js';
import { ClientError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Msg, NatsConnection, Subscription } from '../nats/connection.js';
import { gather, type GatherOptions } from '../nats/gather.js';
import type { Session } from '../session/session.js';

/** Whose connections: a user's (all of them), or one connection. */
export type Target = { user: string } | { clientId: string };

export type Command =
  | { op: 'disconnect'; target: Target; reason: string }
  | { op: 'unsubscribe'; target: Target; channel: string; reason: string };

export interface CommandResult {
  /** Nodes that answered in time. */
  nodes: number;
  /** Connections closed, or subscriptions ended, on those nodes. */
  affected: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A command read off the wire; null for anything malformed (refused keys included). Pure. */
export function parseCommand(data: Uint8Array): Command | null {
  try {
    const c = parseJson(decoder.decode(data)) as Record<string, unknown>;
    const t = c.target as Record<string, unknown> | undefined;
    const target: Target | null = typeof t?.user === 'string' && t.user !== '' ? { user: t.user }
      : typeof t?.clientId === 'string' && t.clientId !== '' ? { clientId: t.clientId } : null;
    const reason = typeof c.reason === 'string' ? c.reason : '';
    if (!target) return null;
    if (c.op === 'disconnect') return { op: 'disconnect', target, reason };
    if (c.op === 'unsubscribe' && typeof c.channel === 'string' && c.channel) return { op: 'unsubscribe', target, channel: c.channel, reason };
    return null;
  } catch {
    return null;
  }
}

/** True when a connection is one the target names. Pure. */
export function targets(target: Target, conn: { id: string; identity: { user: string } }): boolean {
  return 'user' in target ? conn.identity.user === target.user : conn.id === target.clientId;
}

/** Applies a command to this node's sessions; returns how many it touched. */
export function applyCommand(cmd: Command, sessions: Iterable<Session>): number {
  let n = 0;
  for (const s of [...sessions]) {
    if (s.closed || !targets(cmd.target, s)) continue;
    if (cmd.op === 'disconnect') {
      s.disconnect(CloseCode.Kicked, cmd.reason || 'disconnected by the server', false);
      n++;
    } else if (s.hasSubscription(cmd.channel)) {
      s.unsubscribed(cmd.channel, UnsubscribeCode.ServerUnsubscribe, cmd.reason || 'unsubscribed by the server', false);
      n++;
    }
  }
  return n;
}

export class Commands {
  private sub: Subscription | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subject: string,
    private readonly wait: GatherOptions,
    private readonly node: string,
    private readonly apply: (cmd: Command) => number,
    private readonly log: Logger,
  ) {}

  listen(): void {
    this.sub = this.nc.subscribe(this.subject, {
      callback: (err, msg) => {
        if (err) return;
        const cmd = parseCommand(msg.data);
        if (!cmd) return void this.log.warn({ subject: msg.subject }, 'malformed cluster command ignored');
        const affected = this.apply(cmd);
        if (affected) this.log.info({ op: cmd.op, target: cmd.target, affected }, 'cluster command applied');
        if (msg.reply) msg.respond(encoder.encode(JSON.stringify({ node: this.node, affected })));
      },
    });
  }

  /** Runs a command on every node; resolves with what those that answered in time reported. */
  async run(cmd: Command): Promise<CommandResult> {
    let replies: Msg[];
    try {
      replies = await gather(this.nc, this.subject, encoder.encode(JSON.stringify(cmd)), this.wait);
    } catch (e) {
      throw new ClientError(ErrorCode.Unavailable, `cannot reach the other nodes over NATS: ${(e as Error).message}`, true);
    }
    let affected = 0;
    for (const r of replies) {
      try {
        affected += Number((parseJson(decoder.decode(r.data)) as { affected?: unknown }).affected) || 0;
      } catch {
        // a reply that is not ours: counted as a node, nothing affected
      }
    }
    return { nodes: replies.length, affected };
  }

  close(): void {
    this.sub?.unsubscribe();
  }
}
