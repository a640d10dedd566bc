import { defineConfig } from 'vite';

// The page lives in web/ (type-checked by web/tsconfig.json, never by the package's tsc
// build) and is built into dist/web, which src/index.ts exports as dashboardDir.
export default defineConfig({
  root: 'web',
  base: './',
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: true,
    chunkSizeWarningLimit: 300,
  },
  server: { proxy: { '/audit': 'http://127.0.0.1:8080', '/health': 'http://127.0.0.1:8080' } },
});
