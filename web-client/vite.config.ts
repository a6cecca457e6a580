/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react'
import { defineConfig, loadEnv } from 'vite'

// In development the client talks to its own origin and Vite proxies `/graphql`
// (HTTP and WebSocket) and `/dev-token` to the Chronicle server named by VITE_CHRONICLE_URL, so
// the server needs no CORS. In production the server serves the built client.
export default defineConfig(({ mode }) => {
  const env = loadEnv(mode, process.cwd(), 'VITE_')
  const target = env.VITE_CHRONICLE_URL || 'http://127.0.0.1:8000'
  return {
    plugins: [react()],
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
