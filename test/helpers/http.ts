/** A small HTTP client for control-plane tests (Node's fetch). */

export interface HttpReply {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON (undefined when it is not JSON); tests read it freely. */
  body: any;
}

export interface HttpOptions {
  /** API key, sent as Authorization: Bearer. */
  key?: string;
  /** JSON body (objects) or a raw string. */
  body?: unknown;
  headers?: Record<string, string>;
}

export async function http(method: string, url: string, opts: HttpOptions = {}): Promise<HttpReply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}
