/**
 * Starts each system under test with its own nats-server, so every process's CPU belongs to one
 * system: nats-server's WebSocket listener; jetgate (JetStream stream with RePublish, the gateway as
 * `jetgate serve`); Socket.IO and raw uWebSockets.js fed by core NATS.
 * WebSocket clients must authenticate on every system (bench/lib/auth.ts): an HS256 JWT for jetgate,
 * Socket.IO and uWebSockets.js, nats-server's static WebSocket token. The publisher's core NATS
 * connection stays unauthenticated.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SystemName } from '../loadgen/protocols.js';
import { BENCH_JWT_SECRET, BENCH_NATS_TOKEN } from '../lib/auth.js';
import { ABUSE_NS } from '../loadgen/attacks.js';
import { freePort, startServer, type Server } from '../lib/proc.js';

export interface System {
  name: SystemName;
  /** WebSocket port clients connect to (127.0.0.1). */
  port: number;
  /** NATS URL the publisher publishes to. */
  natsUrl: string;
  /** The process that serves the WebSockets. */
  server: Server;
  /** The nats-server behind it (the same process for `nats`). */
  nats: Server;
  /** jetgate's control plane (health, metrics, server API) on 127.0.0.1; 0 for the peers. */
  controlPort: number;
  stop(): Promise<void>;
}

export interface SystemOptions {
  /** Node flags for the gateway process (e.g. --cpu-prof). */
  gatewayExecArgv?: string[];
  /** Another build's dist/gateway/cli.js: before/after comparisons with the same harness. */
  gatewayCli?: string;
}

export const SYSTEMS: readonly SystemName[] = ['nats', 'jetgate', 'socketio', 'uws'];

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

async function startNats(dir: string, ws: number | undefined, jetstream: boolean): Promise<{ server: Server; url: string }> {
  const port = await freePort();
  const conf = join(dir, 'nats.conf');
  writeFileSync(conf, [
    `listen: "127.0.0.1:${port}"`,
    // Clients must authenticate within 5 s, as jetgate's handshakeTimeoutMs.
    ws ? `websocket { host: "127.0.0.1", port: ${ws}, no_tls: true, compression: false, authorization { token: "${BENCH_NATS_TOKEN}", timeout: 5 } }` : '',
    jetstream ? `jetstream { store_dir: "${join(dir, 'js')}", max_file_store: 8GB }` : '',
  ].join('\n'));
  const server = await startServer('nats-server', ['-c', conf], /Server is ready/);
  return { server, url: `nats://127.0.0.1:${port}` };
}

export async function startSystem(name: SystemName, opts: SystemOptions = {}): Promise<System> {
  const dir = mkdtempSync(join(tmpdir(), `jetgate-bench-${name}-`));
  const port = await freePort();
  const nats = await startNats(dir, name === 'nats' ? port : undefined, name === 'jetgate');
  const controlPort = name === 'jetgate' ? await freePort() : 0;
  let server: Server;
  try {
    server = name === 'nats' ? nats.server : await startNodeServer(name, dir, { port, controlPort }, nats.url, opts);
  } catch (e) {
    await nats.server.stop();
    throw e;
  }
  return {
    name, port, natsUrl: nats.url, server, nats: nats.server, controlPort,
    stop: async () => {
      if (server !== nats.server) await server.stop();
      await nats.server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function startNodeServer(name: Exclude<SystemName, 'nats'>, dir: string, { port, controlPort }: { port: number; controlPort: number },
  natsUrl: string, opts: SystemOptions): Promise<Server> {
  if (name === 'socketio') return startServer(process.execPath, [here('./socketio-server.js'), natsUrl, String(port)], /ready/);
  if (name === 'uws') return startServer(process.execPath, [here('./uws-server.js'), natsUrl, String(port)], /ready/);
  const config = join(dir, 'jetgate.json');
  writeFileSync(config, JSON.stringify({
    logLevel: 'warn',
    // One process, like every peer: the default (one worker per core) would spread the gateway's
    // CPU over child processes the harness does not measure.
    workers: 1,
    // The default control-plane port (8081) may be taken; the abuse scenario reads /metrics and attacks it.
    control: { host: '127.0.0.1', port: controlPort },
    nats: { servers: [natsUrl] },
    // No per-address limit: the load generator's clients come from 8 loopback addresses (10k
    // connections are 1,250 per address; the default allows 1,000), and the peers have none.
    websocket: { host: '127.0.0.1', port, listenRetrySec: 0, maxConnectionsPerIp: 0 },
    auth: { hmacSecret: BENCH_JWT_SECRET, algorithms: ['HS256'] },
    // File storage as in production; bounded so long runs do not fill the disk.
    streams: [{ name: 'BENCH', subjects: ['bench.>'], maxBytes: 2 * 1024 ** 3 }],
    // A token is required; every authenticated connection may subscribe to every bench channel.
    // The abuse scenario's attackers are anonymous (bench/loadgen/attacks.ts): a namespace with
    // everything an anonymous browser may be given (publish, RPC with no service behind it,
    // presence), and one with wildcards.
    namespaces: [
      { name: 'bench', stream: 'BENCH', anonymous: false, grants: { subscribe: ['bench:>'] } },
      { name: ABUSE_NS.open, stream: 'BENCH', subject: 'bench.open.{name}', anonymous: ['subscribe', 'history', 'presence', 'publish', 'rpc'], publish: true, presence: true, rpcSubject: 'svc.open.{method}' },
      { name: ABUSE_NS.wild, stream: 'BENCH', subject: 'bench.wild.{name}', anonymous: true, allowWildcards: true },
    ],
  }));
  return startServer(process.execPath, [...(opts.gatewayExecArgv ?? []), opts.gatewayCli ?? here('../../gateway/cli.js'), 'serve', '--config', config], /clients connect to/, { cwd: dir });
}
