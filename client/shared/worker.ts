/**
 * The SharedWorker script of shared mode (bundled as jetgate-worker.min.js; the app serves it and
 * names its URL in `shared.worker`). It owns the one WebSocket of all tabs of an origin that use
 * the same URL, format and `shared.key`, running the SDK's own client inside the Hub.
 */
import { JetgateClient } from '../client.js';
import { Hub } from './hub.js';
import type { PortLike } from './wire.js';

interface SharedWorkerScope {
  onconnect: ((ev: { ports: readonly PortLike[] }) => void) | null;
}

/** How often silent tabs are looked for. */
const SWEEP_MS = 15_000;

const locks = (globalThis as { navigator?: { locks?: { request(name: string, cb: () => Promise<void> | void): Promise<unknown> } } }).navigator?.locks;

const hub = new Hub({
  newClient: (o, getToken) => new JetgateClient({
    url: o.url, format: o.format, name: o.name, backoff: o.backoff, requestTimeoutMs: o.requestTimeoutMs,
    ...(getToken ? { getToken } : { token: o.token ?? '' }),
  }),
  // The tab holds its lock while it lives: the worker gets it only once the tab is gone.
  ...(locks ? { whenReleased: (lock: string) => locks.request(lock, () => {}).then(() => {}) } : {}),
});

(globalThis as unknown as SharedWorkerScope).onconnect = (ev) => {
  for (const port of ev.ports) hub.attach(port);
};
setInterval(() => hub.sweep(), SWEEP_MS);
