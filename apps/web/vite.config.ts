import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

export default defineConfig({
  plugins: [
    react(),
    // An installable app that opens without signal: Workbox precaches the app shell (every
    // built file), and a navigation to any route offline is answered with index.html from that
    // cache. The API is never cached by the service worker: what a page may show offline is kept
    // by the app itself (src/offline/), per user, and removed at sign-out.
    VitePWA({
      // A new version waits until the user agrees (UpdatePrompt), so a form being filled in is
      // not reloaded under them.
      registerType: 'prompt',
      injectRegister: null,
      includeAssets: ['icon.svg', 'apple-touch-icon.png'],
      manifest: {
        name: 'Carryover',
        short_name: 'Carryover',
        description: 'IEP goals, therapy sessions and service minutes for school therapy teams',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#f4f6f8',
        theme_color: '#0b6a6e',
        icons: [
          { src: '/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icon-512.png', sizes: '512x512', type: 'image/png' },
          {
            src: '/icon-maskable-512.png',
            sizes: '512x512',
            type: 'image/png',
            purpose: 'maskable',
          },
          { src: '/icon.svg', sizes: 'any', type: 'image/svg+xml' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        navigateFallback: '/index.html',
        // Server routes, never the app shell.
        navigateFallbackDenylist: [/^\/trpc\//, /^\/export\//],
        cleanupOutdatedCaches: true,
        // The app's own bundle is larger than Workbox's default limit of 2 MiB per file.
        maximumFileSizeToCacheInBytes: 6 * 1024 * 1024,
      },
    }),
  ],
  server: {
    proxy: {
      '/trpc': 'http://localhost:3000',
      '/export': 'http://localhost:3000',
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rolldownOptions: {
      output: {
        codeSplitting: {
          // zod and the line that makes it jitless share one chunk, so the setting runs before
          // any chunk that builds or parses a schema: with the pages split into chunks, the
          // entry's own code runs after its imports, too late (a parse at import time probed
          // `new Function`, a CSP violation in the console).
          groups: [
            { name: 'zod', test: /[\\/]node_modules[\\/]zod[\\/]|[\\/]src[\\/]zod-jitless/ },
          ],
        },
      },
    },
  },
});
