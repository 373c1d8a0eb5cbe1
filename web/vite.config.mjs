// Builds the portal (web/) to static files in dist/web, served by the node
// (src/api/portal-routes.ts). Preact's automatic JSX runtime through Vite's
// own transformer (no Babel); one chunk per page, loaded when the page opens;
// no inline script or style in the output, so the CSP needs no 'unsafe-inline'.
import { fileURLToPath, URL } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    manifest: true,
  },
});
