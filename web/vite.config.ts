import { defineConfig, type PluginOption } from 'vite';
import solid from 'vite-plugin-solid';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

// The locator serves the built app same-origin; in dev, vite forwards /api (REST and the /api/live WebSocket)
// to a locator on its default port so the browser code never needs to know where the API lives.
export default defineConfig({
  root,
  // vite-plugin-solid's types resolve the root workspace's vite (vitest's newer major) while this package builds
  // with its own vite 7; the plugin object is the same at runtime, only the declared types differ.
  plugins: [solid() as unknown as PluginOption],
  server: {
    proxy: {
      '/api': { target: 'http://127.0.0.1:8080', ws: true, changeOrigin: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      onwarn(warning, warn) {
        // zod's published build carries /*@__PURE__*/ comments rollup cannot place; harmless, and noisy per build.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/zod/')) return;
        warn(warning);
      },
    },
  },
});
