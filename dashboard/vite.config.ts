import { defineConfig, type Plugin } from 'vite';

// The API during `npm run dev`: the local runner (`make dev`) on :3000 unless API_URL says otherwise.
const api = process.env.API_URL ?? 'http://127.0.0.1:3000';
const apiPaths = ['/categories', '/products', '/inventory', '/sales', '/reports', '/health', '/openapi.json'];

// `config.json` is written by whoever serves the build (the local runner, the AWS deployment), so
// it is not part of dist/; the dev server answers the local one (same origin, no login).
const devConfig: Plugin = {
  name: 'dev-config-json',
  apply: 'serve',
  configureServer(server) {
    server.middlewares.use('/dashboard/config.json', (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ apiBaseUrl: '', oidc: null }));
    });
  },
};

export default defineConfig({
  base: '/dashboard/',
  plugins: [devConfig],
  build: {
    target: 'es2022',
    // Print the gzip size of every asset (dashboard/README.md quotes the total).
    reportCompressedSize: true,
    chunkSizeWarningLimit: 200,
  },
  server: {
    port: 5173,
    proxy: Object.fromEntries(apiPaths.map((p) => [p, { target: api, changeOrigin: true }])),
  },
});
