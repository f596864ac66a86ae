/**
 * Which uWebSockets.js native build fits the running Node ABI, platform and glibc. uWebSockets.js's
 * authors do not publish it to the npm registry, so its binaries come from two redistributions
 * (pinned exactly in package.json; docs/operations.md says where each comes from), each covering a
 * few Node ABIs and needing a minimum glibc on Linux. Pure: uws.ts loads what this chooses.
 */

export interface UwsBuild {
  /** The package name in package.json (an alias of the redistribution). */
  readonly pkg: string;
  /** The uWebSockets.js version of its binaries. */
  readonly version: string;
  /** Node ABIs (process.versions.modules) it has binaries for, and their Node lines. */
  readonly abis: readonly number[];
  readonly nodes: string;
  /** `platform-arch` pairs it has binaries for. */
  readonly targets: readonly string[];
  /** The newest glibc symbol version its Linux binaries use (objdump -T), so the least they run on. */
  readonly minGlibc: string;
}

const TARGETS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64'];

/** Newest first: the first that fits is loaded. */
export const UWS_BUILDS: readonly UwsBuild[] = [
  { pkg: 'uws-upstream', version: '20.57.0', abis: [115, 127, 137, 141], nodes: 'Node 20/22/24/25', targets: TARGETS, minGlibc: '2.38' },
  { pkg: 'uWebSockets.js', version: '20.30.0', abis: [93, 108, 115], nodes: 'Node 16/18/20', targets: [...TARGETS, 'linux-arm'], minGlibc: '2.28' },
];

export interface Runtime {
  readonly abi: number;
  readonly platform: string;
  readonly arch: string;
  /** glibcVersionRuntime of process.report's header; undefined off glibc (musl, macOS, Windows). */
  readonly glibc: string | undefined;
  readonly node: string;
}

export type UwsChoice = { readonly build: UwsBuild } | { readonly none: string };

/** True when version a.b is at least min c.d. */
export function glibcAtLeast(version: string, min: string): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  const [c = 0, d = 0] = min.split('.').map(Number);
  return a > c || (a === c && b >= d);
}

function fits(b: UwsBuild, rt: Runtime): boolean {
  if (!b.abis.includes(rt.abi) || !b.targets.includes(`${rt.platform}-${rt.arch}`)) return false;
  if (rt.platform !== 'linux') return true;
  return rt.glibc !== undefined && glibcAtLeast(rt.glibc, b.minGlibc);
}

export function describeRuntime(rt: Runtime): string {
  const libc = rt.platform === 'linux' ? (rt.glibc ? `glibc ${rt.glibc}` : 'no glibc (musl?)') : rt.platform;
  return `Node ${rt.node} (ABI ${rt.abi}) on ${rt.platform}-${rt.arch}, ${libc}`;
}

/** The first build that fits, or why none does: what was found and what each build needs. */
export function chooseUwsBuild(rt: Runtime, builds: readonly UwsBuild[] = UWS_BUILDS): UwsChoice {
  const build = builds.find((b) => fits(b, rt));
  if (build) return { build };
  const needs = builds.map((b) => `uWebSockets.js ${b.version} needs ${b.nodes} (ABI ${b.abis.join('/')}) and, on Linux, glibc >= ${b.minGlibc}`);
  return { none: `no native uWebSockets.js build fits ${describeRuntime(rt)}: ${needs.join('; ')}` };
}
