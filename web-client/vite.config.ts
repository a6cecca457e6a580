/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defineConfig, loadEnv } from 'vite'

// In development the client talks to its own origin and Vite proxies `/graphql`
// (HTTP and WebSocket) and `/dev-token` to the Chronicle server named by VITE_CHRONICLE_URL, so
// the server needs no CORS. In production the server serves the built client.
//
// Two pages: the app (index.html) and GraphiQL (graphiql.html), which the
// server serves for `GET /graphql`; so asset URLs are absolute (`base: '/'`),
// not relative to the page's path. `vite dev` serves GraphiQL at /graphiql.html.
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), 'VITE_')
  const target = env.VITE_CHRONICLE_URL || 'http://127.0.0.1:8000'
  return {
    base: '/',
    plugins: [react()],
    build: {
      // (`rolldownOptions` is Vite 8's name for `rollupOptions`.)
      rolldownOptions: {
        input: {
          main: fileURLToPath(new URL('index.html', import.meta.url)),
          graphiql: fileURLToPath(new URL('graphiql.html', import.meta.url)),
        },
        onwarn(warning, warn) {
          // GraphiQL's modules start with React Compiler's "use no memo" hint, which bundling drops harmlessly.
          if (warning.code === 'MODULE_LEVEL_DIRECTIVE' && warning.message.includes('use no memo')) return
          warn(warning)
        },
      },
    },
    server: {
      proxy: {
        '/graphql': { target, ws: true, changeOrigin: true },
        '/dev-token': { target, changeOrigin: true },
      },
    },
    test: {
      include: ['src/**/*.test.ts'],
      environment: 'node',
    },
  }
})
