/**
 * A 3-node NATS cluster with JetStream on loopback, each node run from infra/nats/cluster.conf (the
 * file the deployments use) with its own free ports and store, set through the environment.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NatsServer } from './nats-server.js';
import { freePort, sleep, waitFor } from './ports.js';

export const CLUSTER_CONF = fileURLToPath(new URL('../../../infra/nats/cluster.conf', import.meta.url));

export interface ClusterNode {
  name: string;
  server: NatsServer;
  httpPort: number;
}

export class NatsCluster {
  private constructor(readonly nodes: ClusterNode[]) {}

  /** All client URLs: what a gateway and a publisher are given. */
  get urls(): string[] {
    return this.nodes.map((n) => n.server.url);
  }

  static async start(size = 3): Promise<NatsCluster> {
    const ports = await Promise.all(Array.from({ length: size }, async () => ({ client: await freePort(), http: await freePort(), route: await freePort() })));
    const routes = Object.fromEntries(ports.map((p, i) => [`NATS_ROUTE_${i + 1}`, `nats-route://127.0.0.1:${p.route}`]));
    const nodes = ports.map((p, i) => {
      const name = `n${i + 1}`;
      const store = mkdtempSync(join(tmpdir(), `jetgate-${name}-`));
      const env = {
        NATS_SERVER_NAME: name, NATS_HOST: '127.0.0.1', NATS_PORT: String(p.client), NATS_HTTP_PORT: String(p.http),
        NATS_CLUSTER_PORT: String(p.route), NATS_STORE_DIR: store, ...routes,
      };
      return { name, server: NatsServer.fromConfig(CLUSTER_CONF, p.client, store, env), httpPort: p.http };
    });
    const cluster = new NatsCluster(nodes);
    try {
      await Promise.all(nodes.map((n) => n.server.run()));
      await cluster.waitForQuorum();
    } catch (e) {
      await cluster.destroy();
      throw e;
    }
    return cluster;
  }

  node(name: string): ClusterNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** Waits until every running node agrees on a JetStream meta leader that sees the others as current, and is healthy. */
  async waitForQuorum(timeoutMs = 30_000): Promise<void> {
    type Meta = { leader?: string; replicas?: Array<{ name: string; current: boolean }> };
    const running = () => this.nodes.filter((x) => x.server.running);
    await waitFor('the JetStream cluster to form', async () => {
      const metas = await Promise.all(running().map((n) => fetch(`http://127.0.0.1:${n.httpPort}/jsz`)
        .then((r) => r.json() as Promise<{ meta_cluster?: Meta }>).then((j) => ({ node: n.name, meta: j.meta_cluster }), () => ({ node: n.name, meta: undefined }))));
      const leaders = new Set(metas.map((m) => m.meta?.leader));
      const leader = [...leaders][0];
      if (leaders.size !== 1 || !leader) return false;
      const fromLeader = metas.find((m) => m.node === leader)?.meta;
      if (!fromLeader || (fromLeader.replicas ?? []).filter((r) => r.current).length < metas.length - 1) return false;
      // Each node's JetStream assets are current (a restarted node has caught up).
      const health = await Promise.all(running().map((n) => fetch(`http://127.0.0.1:${n.httpPort}/healthz`).then((r) => r.ok, () => false)));
      return health.every(Boolean);
    }, timeoutMs, 200);
  }

  /** Stops a node (SIGKILL by default), waits `downMs`, starts it again on the same ports and store. */
  async restart(name: string, downMs = 0, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const n = this.node(name);
    await n.server.stop(signal);
    if (downMs) await sleep(downMs);
    await n.server.run();
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.server.destroy()));
  }
}
