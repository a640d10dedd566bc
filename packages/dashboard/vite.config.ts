import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';

/**
 * The repository's docs/metrics.md beside the page (dist/web/metrics.md): the footer links to
 * it, so the definitions travel with the dashboard wherever it is served, offline included.
 */
const metricsDoc = (): Plugin => ({
  name: 'daybook-metrics-doc',
  generateBundle() {
    this.emitFile({ type: 'asset', fileName: 'metrics.md', source: readFileSync(new URL('../../docs/metrics.md', import.meta.url)) });
  },
});

// The page lives in web/ (type-checked by web/tsconfig.json, never by the package's tsc
// build) and is built into dist/web, which src/index.ts exports as dashboardDir.
export default defineConfig({
  root: 'web',
  base: './',
  plugins: [metricsDoc()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
    chunkSizeWarningLimit: 300,
  },
  server: { proxy: { '/audit': 'http://127.0.0.1:8080', '/health': 'http://127.0.0.1:8080' } },
});
