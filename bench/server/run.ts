// Requests per second of the table server, embedded (PGlite) vs PostgreSQL: `npx jiti bench/server/run.ts`.
// For each backend: a standalone server process (serve.ts, 1,000 seeded rows), then autocannon on loopback,
// 10 connections for 10 s, for a 50-row page read and for inserts. Prints a table.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

interface Result { backend: string, scenario: string, requestsPerSecond: number, p50: number, p99: number, non2xx: number, errors: number }

function start(backend: string): Promise<{ url: string, stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('../../node_modules/.bin/jiti', import.meta.url)), fileURLToPath(new URL('./serve.ts', import.meta.url)), backend], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    child.once('exit', code => reject(new Error(`server exited with ${code}`)))
    child.stdout.on('data', (chunk: Buffer) => {
      const match = /ready (\S+)/.exec(chunk.toString())
      if (match) {
        resolve({
          url: match[1]!,
          stop: () => new Promise((done) => {
            child.removeAllListeners('exit')
            child.once('exit', () => done())
            child.kill('SIGTERM')
          }),
        })
      }
    })
  })
}

async function measure(url: string, options: Partial<autocannon.Options>): Promise<autocannon.Result> {
  return autocannon({ url, connections: 10, duration: 10, ...options })
}

const results: Result[] = []
for (const backend of ['embedded', 'postgres']) {
  const server = await start(backend)
  const headers = { 'ZUMO-API-VERSION': '2.0.0', 'content-type': 'application/json' }
  const scenarios: Array<[string, Partial<autocannon.Options>]> = [
    ['read 50-row page', { url: `${server.url}/tables/items?$filter=${encodeURIComponent('n ge 100')}&$orderby=updatedAt,id&$top=50&$skip=200`, headers }],
    ['insert', { url: `${server.url}/tables/items`, method: 'POST', headers, body: JSON.stringify({ text: 'benchmark', n: 1, done: false }) }],
  ]
  for (const [scenario, options] of scenarios) {
    await measure(options.url!, { ...options, duration: 2 }) // warm-up
    const result = await measure(options.url!, options)
    results.push({ backend, scenario, requestsPerSecond: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors })
  }
  await server.stop()
}
console.table(results)
