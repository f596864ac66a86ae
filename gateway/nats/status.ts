/** Follows the NATS connection's ups and downs for readiness and metrics. */
import type { Stats } from '../telemetry/stats.js';
import type { NatsConnection } from './connection.js';

export function followStatus(nc: NatsConnection, stats: Stats): void {
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        stats.natsConnected = false;
        stats.natsDisconnects++;
      } else if (s.type === 'reconnect') {
        stats.natsConnected = true;
        stats.natsReconnects++;
      }
    }
  })();
}
