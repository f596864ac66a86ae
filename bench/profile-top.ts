/**
 * Summarizes a V8 CPU profile (node --cpu-prof): the functions with the most self time, and the
 * window to look at. `make bench-profile` writes the gateway's; usage:
 *   node dist/bench/profile-top.js <file.cpuprofile> [top=25] [last-seconds]
 * With last-seconds, only the end of the profile counts (the measured load, not the set-up).
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  endTime: number;
}

/** Self time (µs) per function, of the samples taken in the last `lastUs` µs. */
export function selfTimes(p: Profile, lastUs = Infinity): Map<string, number> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const out = new Map<string, number>();
  let t = p.endTime;
  const at = new Array<number>(p.samples.length);
  for (let i = p.samples.length - 1; i >= 0; i--) {
    at[i] = t;
    t -= p.timeDeltas[i] ?? 0;
  }
  p.samples.forEach((id, i) => {
    if ((at[i] as number) < p.endTime - lastUs) return;
    const f = byId.get(id)?.callFrame;
    if (!f) return;
    const file = f.url.replace(/^.*\/(node_modules\/[^/]+|dist)\//, '$1/');
    const key = `${f.functionName || '(anonymous)'} ${file}${file ? `:${f.lineNumber + 1}` : ''}`;
    out.set(key, (out.get(key) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  return out;
}

function main(): void {
  const [file, top = '25', last] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-top <file.cpuprofile> [top] [last-seconds]');
  const times = selfTimes(JSON.parse(readFileSync(file, 'utf8')) as Profile, last ? Number(last) * 1e6 : Infinity);
  const total = [...times.values()].reduce((a, b) => a + b, 0);
  const active = total - (times.get('(idle) ') ?? 0);
  console.log(`total ${(total / 1e6).toFixed(2)} s sampled, ${(active / 1e6).toFixed(2)} s not idle`);
  const sorted = [...times.entries()].filter(([k]) => k !== '(idle) ').sort((a, b) => b[1] - a[1]).slice(0, Number(top));
  for (const [k, t] of sorted) console.log(`${((t / active) * 100).toFixed(1).padStart(5)}%  ${(t / 1e3).toFixed(0).padStart(7)} ms  ${k}`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) main();
