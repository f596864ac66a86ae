/** The usual integration-test setup: a nats-server, an in-process gateway, a publisher; all torn down. */
import type { Test } from 'tap';
import type { Gateway } from '../../gateway/gateway.js';
import { startGateway, testConfig } from './gateway.js';
import { NatsServer } from './nats-server.js';
import { Publisher } from './publisher.js';
import { RawClient } from './raw-client.js';

export interface Fixture {
  nats: NatsServer;
  gw: Gateway;
  url: string;
  /** Base URL of the gateway's control plane. */
  control: string;
  pub: Publisher;
  /** A connected raw client (with a token, if given), closed at teardown. */
  client(format?: 'proto' | 'json', token?: string): Promise<RawClient>;
}

/**
 * @param extra configuration merged over the test defaults
 * @param natsUrlFor the URL the gateway uses for NATS (e.g. through a proxy)
 * @param natsArgs extra nats-server arguments (e.g. a monitoring port)
 */
export async function fixture(t: Test, extra: Record<string, unknown> = {}, natsUrlFor?: (nats: NatsServer) => Promise<string>, natsArgs: string[] = []): Promise<Fixture> {
  const nats = await NatsServer.start(natsArgs);
  t.teardown(() => nats.destroy());
  const gw = await startGateway(testConfig(natsUrlFor ? await natsUrlFor(nats) : nats.url, extra));
  t.teardown(() => gw.stop());
  const pub = await Publisher.connect(nats.url);
  t.teardown(() => pub.close());
  const url = `ws://127.0.0.1:${gw.port}/ws`;
  return {
    nats, gw, url, pub, control: `http://127.0.0.1:${gw.controlPort}`,
    client: async (format = 'proto', token = '') => {
      const c = await RawClient.connect(url, format, token);
      t.teardown(() => c.close());
      return c;
    },
  };
}
