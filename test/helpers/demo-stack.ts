/** The demos' whole stack for browser tests: NATS, the gateway, the lobby and metrics services, the demo pages. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { startDemoServer } from '../../demo/server.js';
import { LobbyService } from '../../services/lobby/service.js';
import { exampleConfig } from './examples.js';
import { fixture, type Fixture } from './fixture.js';

const METRICS = fileURLToPath(new URL('../../services/metrics/main.js', import.meta.url));

/** Returns the demo pages' base URL and the fixture (its control plane serves the gateway's /metrics). */
export async function demoStack(t: Test): Promise<{ url: string; f: Fixture }> {
  const f = await fixture(t, exampleConfig());
  const lobby = await LobbyService.start(f.pub.nc);
  t.teardown(() => lobby.stop());
  const metrics = spawn(process.execPath, [METRICS, '--nats', f.nats.url, '--interval-ms', '250', '--seed', '11'], { stdio: ['ignore', 'ignore', 'pipe'] });
  t.teardown(() => void metrics.kill());
  const web = await startDemoServer({ port: 0, gatewayUrl: f.url });
  t.teardown(() => new Promise<void>((r) => web.server.close(() => r())));
  return { url: web.url, f };
}
