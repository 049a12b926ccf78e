// `npm run soak`: a long convergence run under injected faults (the small one is part of `npm test`:
// test/reliability/convergence.test.ts). Environment: SOAK_MINUTES (default 3), SOAK_SEED (default random),
// SOAK_CLIENTS (Node devices, default 8), SOAK_CONCURRENCY (devices acting at once, default 4), SOAK_FAULTS (a
// multiplier of the default fault rates, default 1: 28 % of requests meet a fault; at most 3.5). Prints the report
// and writes test/reliability/results/soak-latest.{json,md}; exits 1 when an invariant failed (rows lost, a device
// that differs from the server, a queue or conflict left).
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { DEFAULT_RATES, runConvergence } from './support/convergence'
import { formatReport } from './support/convergence-report'
import { seedFromEnv } from './support/prng'

function positive(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got ${JSON.stringify(raw)}`)
  return value
}

const minutes = positive('SOAK_MINUTES', 3)
const seed = seedFromEnv('SOAK_SEED')
const clients = Math.round(positive('SOAK_CLIENTS', 8))
const concurrency = Math.round(positive('SOAK_CONCURRENCY', 4))
const scale = positive('SOAK_FAULTS', 1)
const rates = Object.fromEntries(Object.entries(DEFAULT_RATES).map(([kind, rate]) => [kind, rate * scale]))
const rerun = `SOAK_SEED=${seed} SOAK_MINUTES=${minutes} SOAK_CLIENTS=${clients} SOAK_CONCURRENCY=${concurrency} SOAK_FAULTS=${scale} npm run soak`

console.log(`soak: ${minutes} min, ${clients} devices, ${concurrency} at a time, faults × ${scale}, seed ${seed}`)
const report = await runConvergence({
  seed,
  clients,
  concurrency,
  rates,
  actions: Number.POSITIVE_INFINITY,
  durationMs: minutes * 60_000,
  finalRounds: 20,
  log: line => console.log(line),
})
const text = formatReport(report, rerun)
console.log(`\n${text}`)

const results = fileURLToPath(new URL('./results/', import.meta.url))
mkdirSync(results, { recursive: true })
const machine = { cpus: cpus().length, load: loadavg().map(n => Math.round(n * 10) / 10), node: process.version }
writeFileSync(`${results}soak-latest.json`, `${JSON.stringify({ at: new Date().toISOString(), minutes, concurrency, faultScale: scale, rates, machine, rerun, ...report }, null, 2)}\n`)
writeFileSync(`${results}soak-latest.md`, `# Soak: convergence under faults (${new Date().toISOString()})\n\n\`\`\`\n${text}\n\`\`\`\n\nMachine: ${machine.cpus} CPUs, load ${machine.load.join(' / ')}, Node ${machine.node}.\n`)
process.exit(report.problems.length ? 1 : 0)
