/** What the control plane's routes read: the gateway's parts, handed over at start-up. */
import type { ChannelResolver } from '../channels/grammar.js';
import type { Config } from '../config/schema.js';
import type { ReadinessState } from '../health/readiness.js';
import type { Hub } from '../hub/hub.js';
import type { Logger } from '../log.js';
import type { JetStreamClient } from '../nats/connection.js';
import type { Presence } from '../presence/presence.js';
import type { HistoryDeps } from '../requests/history.js';
import type { Telemetry } from '../telemetry/telemetry.js';
import type { Commands } from './commands.js';

/** What the health routes need: a node running several workers serves only these itself. */
export interface HealthDeps {
  config: Config;
  log: Logger;
  node: string;
  readiness: () => ReadinessState;
}

export interface ControlDeps extends HealthDeps {
  telemetry: Telemetry;
  resolver: ChannelResolver;
  history: HistoryDeps;
  presence: Presence | undefined;
  hub: Hub;
  js: JetStreamClient;
  commands: Commands;
}
