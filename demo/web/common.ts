/** What both demo pages share: the gateway client and the connection-state indicator. */
import '../../proto/numbers.js';
import { JetgateClient, type ClientState } from '../../client/index.js';

export const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;

export interface DemoConfig {
  gatewayUrl: string;
}

export async function loadConfig(): Promise<DemoConfig> {
  return (await fetch('/config.json')).json() as Promise<DemoConfig>;
}

/** A client of the gateway; with `getToken`, authenticated (the SDK asks for a token on every (re)connect and before expiry). */
export function newClient(cfg: DemoConfig, name: string, getToken?: () => Promise<string>): JetgateClient {
  return new JetgateClient({ url: cfg.gatewayUrl, format: 'proto', name, backoff: { initialMs: 250, maxMs: 5_000 }, ...(getToken ? { getToken } : {}) });
}

const LABEL: Record<ClientState, string> = { connecting: 'Connecting…', connected: 'Live', disconnected: 'Reconnecting…', closed: 'Offline' };

/** Keeps a `.conn` pill in step with the client's state (data-state drives its colour); returns the unhook. */
export function showConnection(client: JetgateClient, el: HTMLElement): () => void {
  const set = (s: ClientState) => {
    el.dataset.state = s;
    el.querySelector('.conn-label')!.textContent = LABEL[s];
  };
  set(client.state);
  return client.on('state', set);
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
