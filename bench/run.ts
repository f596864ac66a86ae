/**
 * `make bench` / `make bench-quick`: runs every scenario of a profile on every system, one system
 * at a time on the same machine, and writes bench/results/<date>-<profile>.{json,md,svg}.
 *
 *   node dist/bench/run.js [--profile quick|full] [--systems nats,jetgate,socketio,uws]
 *                          [--scenarios fanout,connections,resume,abuse] [--out DIR] [--gateway-prof DIR]
 *                          [--gateway-cli OTHER_BUILD/dist/gateway/cli.js]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadAverage } from './lib/proc.js';
import type { SystemName } from './loadgen/protocols.js';
import { SYSTEMS, startSystem, type System, type SystemOptions } from './peers/systems.js';
import { PROFILES } from './profiles.js';
import { writeReport } from './report/write.js';
import type { Report } from './report/types.js';
import { runAbuse } from './scenarios/abuse.js';
import { runConnections } from './scenarios/connections.js';
import { runFanout } from './scenarios/fanout.js';
import { runResume } from './scenarios/resume.js';

const root = resolve(new URL('../..', import.meta.url).pathname);
const log = (s: string) => console.error(s);

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

function tryExec(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function openFilesLimit(): number {
  const m = /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
  return m ? Number(m[1]) : 0;
}

async function withSystem<T>(name: SystemName, opts: SystemOptions, f: (s: System) => Promise<T>): Promise<T> {
  const sys = await startSystem(name, opts);
  try {
    return await f(sys);
  } finally {
    await sys.stop();
    // Anything the servers said (the gateway logs warnings and errors only) is worth a look.
    for (const srv of new Set([sys.server, sys.nats])) {
      const lines = srv.output().split('\n').filter((l) => /warn|error|slow consumer|"level":[4-6]0/i.test(l));
      if (lines.length) log(`  ${name} ${srv === sys.nats ? 'nats-server' : 'server'} said (${lines.length} lines):\n    ${lines.slice(0, 5).join('\n    ')}`);
    }
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      profile: { type: 'string', default: 'quick' },
      systems: { type: 'string', default: SYSTEMS.join(',') },
      scenarios: { type: 'string', default: 'fanout,connections,resume,abuse' },
      out: { type: 'string', default: join(root, 'bench/results') },
      'gateway-prof': { type: 'string' },
      'gateway-cli': { type: 'string' },
    },
  });
  const profile = PROFILES[values.profile as keyof typeof PROFILES];
  if (!profile) throw new Error(`unknown profile ${values.profile}: quick or full`);
  const systems = (values.systems as string).split(',') as SystemName[];
  for (const s of systems) if (!SYSTEMS.includes(s)) throw new Error(`unknown system ${s}: ${SYSTEMS.join(', ')}`);
  const scenarios = new Set((values.scenarios as string).split(','));
  const sysOpts: SystemOptions = {
    ...(values['gateway-prof'] ? { gatewayExecArgv: ['--cpu-prof', `--cpu-prof-dir=${resolve(values['gateway-prof'])}`] } : {}),
    ...(values['gateway-cli'] ? { gatewayCli: resolve(values['gateway-cli']) } : {}),
  };

  const report: Report = {
    profile: profile.name,
    command: process.env.BENCH_COMMAND ?? `node ${process.argv.slice(1).join(' ')}`,
    started: new Date().toISOString(),
    finished: '',
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 1024 ** 3),
      kernel: release(),
      loadStart: loadAverage(),
      loadEnd: [],
      openFilesLimit: openFilesLimit(),
    },
    versions: {
      node: process.version,
      'nats-server': tryExec('nats-server', ['--version']),
      'uWebSockets.js': packageVersion('uWebSockets.js'),
      'socket.io': packageVersion('socket.io'),
      'nats (nats.js)': packageVersion('nats'),
      jetgate: values['gateway-cli'] ? `gateway from ${values['gateway-cli']}`
        : `${tryExec('git', ['rev-parse', '--short', 'HEAD'])}${tryExec('git', ['status', '--porcelain', '--untracked-files=no']) ? ' (modified)' : ''}`,
    },
    notes: [
      `${profile.workers} load-generator processes (lean WebSocket client, bench/lib/ws-client.ts) and one publisher process share the machine with the servers.`,
      'Latency: from the time each message was due to be published (open-loop schedule, corrected for coordinated omission) to its receipt; HdrHistogram.',
      'CPU per delivery: user+system CPU of the WebSocket server process (/proc/<pid>/stat) over the window, divided by deliveries; "with NATS" adds the nats-server feeding it (for jetgate: JetStream storage and RePublish).',
      'Each system runs with its own nats-server; jetgate\'s stream uses file storage.',
      'Every WebSocket client authenticates, in every scenario: jetgate (token in its connect message), Socket.IO (a middleware on handshake.auth.token) and uWebSockets.js (the upgrade handler, token in the query) verify an HS256 JWT with jose, a distinct token per client signed before the clock starts; nats-server\'s WebSocket listener checks a static token (authorization { token }), a string comparison with no signature (its JWT scheme needs operator, account and nkey-signed user JWTs).',
      'jetgate runs as one process (workers: 1), as every peer does.',
      'Abuse (jetgate): the attackers are anonymous connections (and control-plane sockets) from an attacker process of their own, one per phase; the good clients authenticate and live in the load-generator processes.',
    ],
    fanout: [],
    connections: [],
    resume: [],
    abuse: [],
  };

  if (scenarios.has('fanout')) {
    for (const sc of profile.fanout) {
      for (const name of systems) {
        log(`fan-out ${sc.id}: ${name}`);
        const load = loadAverage();
        try {
          const points = await withSystem(name, sysOpts, (sys) => runFanout(sys, sc, profile.workers, log));
          report.fanout.push({ scenario: sc, system: name, load, points });
        } catch (e) {
          log(`  ${name} failed: ${(e as Error).message}`);
          report.fanout.push({ scenario: sc, system: name, load, points: [], error: (e as Error).message });
        }
      }
    }
  }
  if (scenarios.has('connections')) {
    for (const n of profile.connections) {
      for (const name of systems) {
        log(`connections ${n}: ${name}`);
        const load = loadAverage();
        try {
          const result = await withSystem(name, sysOpts, (sys) => runConnections(sys, n, profile.workers, 250));
          log(`  ${result.ok} in ${result.seconds.toFixed(2)} s, ${Math.round(result.rssBytesPerConnection)} B/connection`);
          report.connections.push({ system: name, load, result });
        } catch (e) {
          log(`  ${name} failed: ${(e as Error).message}`);
          report.connections.push({ system: name, load, error: (e as Error).message });
        }
      }
    }
  }
  if (scenarios.has('resume') && systems.includes('jetgate')) {
    for (const r of profile.resume) {
      log(`resume ${r.clients} × ${r.missed}: jetgate`);
      try {
        const result = await withSystem('jetgate', sysOpts, (sys) => runResume(sys, r.clients, r.missed, 64, profile.workers, 120_000));
        log(`  ${result.complete}/${result.clients} complete in ${result.seconds.toFixed(2)} s`);
        report.resume.push({ system: 'jetgate', result });
      } catch (e) {
        log(`  failed: ${(e as Error).message}`);
        report.resume.push({ system: 'jetgate', error: (e as Error).message });
      }
    }
  }

  if (scenarios.has('abuse') && systems.includes('jetgate')) {
    for (const sc of profile.abuse) {
      log(`abuse ${sc.id}: jetgate`);
      try {
        const result = await withSystem('jetgate', sysOpts, (sys) => runAbuse(sys, sc, profile.workers, log));
        report.abuse.push({ system: 'jetgate', scenario: sc, result });
      } catch (e) {
        log(`  failed: ${(e as Error).message}`);
        report.abuse.push({ system: 'jetgate', scenario: sc, error: (e as Error).message });
      }
    }
  }

  report.finished = new Date().toISOString();
  report.machine.loadEnd = loadAverage();
  mkdirSync(values.out as string, { recursive: true });
  const base = join(values.out as string, `${report.started.slice(0, 16).replace(':', '-')}-${profile.name}`);
  writeReport(report, base);
  log(`wrote ${base}.json, .md, .svg`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
