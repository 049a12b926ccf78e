import { relative } from 'node:path'
import fc, { type Parameters, type RunDetails } from 'fast-check'
import { expect } from 'vitest'

/** fast-check's own failure report (seed, shrunk path, counterexample, cause) plus the command that replays it. */
function report<T>(details: RunDetails<T>): void {
  if (!details.failed) return
  const { testPath, currentTestName } = expect.getState()
  const file = testPath ? relative(process.cwd(), testPath) : '<this file>'
  const test = currentTestName?.split(' > ').at(-1)?.replace(/'/g, '.') ?? ''
  const replay = `Replay: FUZZ_SEED=${details.seed} FUZZ_PATH='${details.counterexamplePath ?? ''}' npx vitest run --project reliability ${file} -t '${test}'`
  throw new Error(`${fc.defaultReportMessage(details)}\n\n${replay}`, { cause: details.errorInstance })
}

/**
 * fast-check parameters of the fuzz suites: `runs` cases by default (sized for `npm test`), `FUZZ_RUNS=<n>` for a
 * bigger run. On failure the error gives the seed, the shrunk path and the command that replays exactly that case
 * (`FUZZ_SEED=<seed> FUZZ_PATH=<path>`).
 */
export function fuzzParameters<T>(runs: number): Parameters<T> {
  const parameters: Parameters<T> = { numRuns: Number(process.env.FUZZ_RUNS) || runs, reporter: report }
  if (process.env.FUZZ_SEED) {
    parameters.seed = Number(process.env.FUZZ_SEED)
    if (process.env.FUZZ_PATH) parameters.path = process.env.FUZZ_PATH
  }
  return parameters
}
