// The app is served by `atlas serve` at /: plain relative module URLs, no CDN, every
// asset in dist/ (and a .gz beside each, written by scripts/compress.mjs).
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: process.env.ATLAS_WEB_OUT || 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    // Spark with its inlined WebAssembly is one 2.5 MB chunk, loaded only when splats are
    // shown; the first load is a few KB.
    chunkSizeWarningLimit: 3000,
  },
});
