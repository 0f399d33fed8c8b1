import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The Tauri shell loads ui/dist through its custom protocol (no devUrl), so every
// asset path must be relative, and nothing may come from another origin (strict CSP).
export default defineConfig({
  base: './',
  plugins: [svelte()],
  clearScreen: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Inlined assets become data: URIs, which the CSP only allows for images.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
