/** Reads Prometheus text exposition format into samples, for metric tests. */

export interface Scrape {
  /** Value of a sample: `name` or `name{k="v",...}` with labels sorted, otel_scope_* left out. */
  get(sample: string): number;
  /** Declared type of a metric family (`# TYPE name type`). */
  type(name: string): string | undefined;
  text: string;
}

export function parsePrometheus(text: string): Scrape {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const tm = /^# TYPE (\S+) (\S+)/.exec(line);
    if (tm) types.set(tm[1]!, tm[2]!);
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels = [...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)]
      .filter((l) => !l[1]!.startsWith('otel_scope_'))
      .map((l) => `${l[1]}="${l[2]}"`)
      .sort();
    samples.set(labels.length ? `${m[1]}{${labels.join(',')}}` : m[1]!, Number(m[3]));
  }
  return { get: (s) => samples.get(s) ?? 0, type: (n) => types.get(n), text };
}
