/**
 * Who may open a WebSocket: the Origin check and the per-address connection count. Pure: the
 * server passes the header and the peer address.
 */

/**
 * Whether a browser page from `origin` may connect. `allowed` holds exact origins
 * ("https://app.example.com"), subdomain wildcards ("https://*.example.com") or "*"; an empty list
 * allows every origin. A request without Origin is not from a browser and passes: the header
 * protects browser users from other sites' pages, and any other client can forge it anyway.
 */
export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0 || origin === '') return true;
  const o = origin.toLowerCase();
  return allowed.some((a) => {
    const p = a.toLowerCase();
    if (p === '*' || p === o) return true;
    const star = p.indexOf('://*.');
    if (star < 0) return false;
    const scheme = p.slice(0, star + 3);
    const domain = p.slice(star + 4); // ".example.com" (with the port, if any)
    return o.startsWith(scheme) && o.endsWith(domain) && o.length > scheme.length + domain.length && !o.slice(scheme.length, -domain.length).includes('/');
  });
}

/** The 8 groups of an IPv6 address in any textual form, or undefined when it is not one. */
function ipv6Groups(address: string): number[] | undefined {
  let text = address;
  const tail: number[] = [];
  const v4 = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const b = v4.slice(2).map(Number);
    if (b.some((x) => x > 255)) return undefined;
    tail.push(((b[0] as number) << 8) | (b[1] as number), ((b[2] as number) << 8) | (b[3] as number));
    text = (v4[1] as string).endsWith('::') ? v4[1] as string : (v4[1] as string).slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string | undefined) => (s ? s.split(':').map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN)) : []);
  const head = parse(halves[0]);
  const rest = [...parse(halves[1]), ...tail];
  const missing = 8 - head.length - rest.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...new Array<number>(missing).fill(0), ...rest];
  return groups.some(Number.isNaN) ? undefined : groups;
}

/**
 * The key connections are counted under: an IPv4 address as it is (also when mapped into IPv6),
 * an IPv6 address by its /64 prefix, since one host is usually handed a whole /64.
 */
export function addressKey(address: string): string {
  const g = ipv6Groups(address);
  if (!g) return address;
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return [(g[6] as number) >> 8, (g[6] as number) & 0xff, (g[7] as number) >> 8, (g[7] as number) & 0xff].join('.');
  }
  return g.slice(0, 4).map((x) => x.toString(16)).join(':') + '::/64';
}

/** Open connections per address key, up to `max` each (0: no limit). */
export class ConnectionCounter {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Counts a new connection; false (and not counted) when its address is at the limit. */
  admit(key: string): boolean {
    const n = this.open.get(key) ?? 0;
    if (this.max > 0 && n >= this.max) return false;
    this.open.set(key, n + 1);
    return true;
  }

  release(key: string): void {
    const n = (this.open.get(key) ?? 0) - 1;
    if (n > 0) this.open.set(key, n);
    else this.open.delete(key);
  }
}
