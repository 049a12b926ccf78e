// Standalone browser benchmark: `npx jiti bench/browser/run.ts [--skip-build] [--runs=3] [--rows=100000]
// [--changed=1000] [--writes=10000] [--single-ops=2000] [--latency-samples=500]`. Prints the markdown table and
// writes bench/results/browser-latest.json (see ./index.ts for the cases).
import { runBrowserBench, type BrowserBenchOptions } from './index'

function option(name: string): number | undefined {
  const arg = process.argv.find(value => value.startsWith(`--${name}=`))
  return arg === undefined ? undefined : Number(arg.slice(name.length + 3))
}

const options: BrowserBenchOptions = {
  build: !process.argv.includes('--skip-build'),
  runs: option('runs'),
  rows: option('rows'),
  changed: option('changed'),
  writes: option('writes'),
  singleOps: option('single-ops'),
  latencySamples: option('latency-samples'),
}
const abort = new AbortController()
options.signal = abort.signal
// the benchmark stops its servers and browser, then rejects; a second signal exits at once
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => abort.signal.aborted ? process.exit(130) : abort.abort())
}
const result = await runBrowserBench(options)
console.log(`\n${result.markdown}\n`)
for (const note of result.notes) console.log(note)
const load = result.machine.load1
console.log(`Seeding: ${Math.round(result.seeding.ms)} ms (${result.seeding.method}).`)
console.log(`Node ${result.machine.node}, Chromium ${result.machine.chromium}, ${result.machine.cpus} CPUs (${result.machine.cpu}); load (1 min) during the run: ${load ? `${load.median.toFixed(2)} median, ${load.min.toFixed(2)}–${load.max.toFixed(2)}` : 'n/a'}`)
console.log(`uptime: ${Object.values(result.machine.uptime).join(' | ')}`)
console.log(`total ${Math.round(result.totalMs / 1000)} s`)
if (result.pageErrors.length) console.log(`page errors:\n${result.pageErrors.join('\n')}`)
