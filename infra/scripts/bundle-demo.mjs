// Bundles the demo page scripts (demo/web/*.ts) for browsers into dist/demo-web/. The client SDK
// is not bundled in: the pages load the SDK's own bundle (/assets/jetgate.min.js), as an app would.
import { build } from 'esbuild';

const sdkFromBundle = {
  name: 'sdk-from-bundle',
  setup(b) {
    b.onResolve({ filter: /\/client\/index\.js$/ }, () => ({ path: '/assets/jetgate.min.js', external: true }));
  },
};

await build({
  entryPoints: ['demo/web/dashboard.ts', 'demo/web/lobby.ts'],
  outdir: 'dist/demo-web',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
  plugins: [sdkFromBundle],
});
