/**
 * Many SDK clients (Node, `ws`) subscribed to one channel, each recording what it received, which
 * gateway node served it and when it lost its connection: the client side of the scale-out tests.
 */
import type { Test } from 'tap';
import WebSocket from 'ws';
import { JetgateClient, type Publication } from '../../client/index.js';
import type { WebSocketCtor } from '../../client/connection.js';
import { sleep } from './ports.js';

export class TrackedClient {
  readonly client: JetgateClient;
  readonly seqs: number[] = [];
  /** The gateway node of each connection, in order, and when (Date.now()) it was made. */
  readonly nodes: string[] = [];
  readonly connectedAt: number[] = [];
  /** When (Date.now()) each connection was lost, and with which close code. */
  readonly losses: Array<{ at: number; code: number }> = [];
  /** When (Date.now()) each publication arrived, parallel to `seqs`. */
  readonly times: number[] = [];
  /** The client's current WebSocket (to pause its reading). */
  socket: WebSocket | undefined;

  constructor(url: string, channel: string) {
    const self = this;
    const Ws = class extends WebSocket {
      constructor(u: string, protocols: string[]) {
        super(u, protocols);
        self.socket = this;
      }
    };
    this.client = new JetgateClient({ url, WebSocket: Ws as unknown as WebSocketCtor, backoff: { initialMs: 100, maxMs: 1_000 }, requestTimeoutMs: 5_000 });
    this.client.on('connected', (info) => {
      this.nodes.push(info.node);
      this.connectedAt.push(Date.now());
    });
    this.client.on('disconnected', (d) => this.losses.push({ at: Date.now(), code: d.code }));
    this.client.on('error', () => undefined); // reported through the states; the tests check outcomes
    this.client.subscribe(channel, {
      since: { seq: 0, epoch: '' },
      onPublication: (p: Publication) => {
        this.seqs.push(p.seq);
        this.times.push(Date.now());
      },
    });
  }

  get node(): string | undefined {
    return this.nodes[this.nodes.length - 1];
  }

  /** Stops reading from the socket (TCP backpressure builds up at the gateway) for `ms`. */
  pauseFor(ms: number): Promise<void> {
    const ws = this.socket;
    ws?.pause();
    return new Promise((r) => setTimeout(() => {
      ws?.resume();
      r();
    }, ms));
  }
}

/** Starts `n` clients (connecting `perBatch` at a time), closed at teardown. */
export async function startClients(t: Test, n: number, url: string, channel: string, perBatch = 25): Promise<TrackedClient[]> {
  const clients: TrackedClient[] = [];
  t.teardown(() => clients.forEach((c) => c.client.close()));
  for (let i = 0; i < n; i += perBatch) {
    const batch = Array.from({ length: Math.min(perBatch, n - i) }, () => new TrackedClient(url, channel));
    clients.push(...batch);
    await Promise.all(batch.map((c) => c.client.connect()));
  }
  return clients;
}

/** Waits until every client holds `count` publications; throws with who is behind at the deadline. */
export async function allReceived(clients: readonly TrackedClient[], count: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!clients.every((c) => c.seqs.length >= count)) {
    if (Date.now() > deadline) {
      const behind = clients.filter((c) => c.seqs.length < count);
      throw new Error(`timed out: ${behind.length} of ${clients.length} clients hold fewer than ${count} publications ` +
        `(least: ${Math.min(...behind.map((c) => c.seqs.length))}; states: ${[...new Set(behind.map((c) => c.client.state))].join(', ')})`);
    }
    await sleep(100);
  }
}

/** Asserts every client holds exactly `expected`, in order: no gap, no duplicate. */
export function checkExact(t: Test, clients: readonly TrackedClient[], expected: readonly number[]): void {
  const wrong = clients.map((c, i) => ({ i, c })).filter(({ c }) => c.seqs.length !== expected.length || c.seqs.some((s, k) => s !== expected[k]));
  t.equal(wrong.length, 0, `all ${clients.length} clients hold exactly the ${expected.length} publications, in order`);
  for (const { i, c } of wrong.slice(0, 3)) {
    const firstBad = c.seqs.findIndex((s, k) => s !== expected[k]);
    t.comment(`client ${i}: ${c.seqs.length} received; first difference at index ${firstBad}: got ${c.seqs[firstBad]}, expected ${expected[firstBad]}`);
  }
}
