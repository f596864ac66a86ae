/**
 * The lobby service as a process: `node dist/services/lobby/main.js [--nats URL]` (NATS_URL works
 * too). Stops cleanly on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { LobbyService } from './service.js';

const { values } = parseArgs({ options: { nats: { type: 'string', default: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' } } });
const nc = await connect({ servers: values.nats as string, name: 'lobby-service', maxReconnectAttempts: -1 });
const svc = await LobbyService.start(nc, { log: (l) => console.error(`lobby: ${l}`) });
console.error(`lobby: answering svc.lobby.* on ${values.nats}`);
const stop = async () => {
  await svc.stop();
  await nc.drain();
  process.exit(0);
};
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
