import type { Parameters } from 'fast-check'

/**
 * fast-check parameters of the fuzz suites: `runs` cases by default (sized for `npm test`), `FUZZ_RUNS=<n>` for a
 * bigger run. On failure fast-check prints the seed and the shrunk path; replay exactly that case with
 * `FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run --project reliability <file>`.
 */
export function fuzzParameters<T>(runs: number): Parameters<T> {
  const parameters: Parameters<T> = { numRuns: Number(process.env.FUZZ_RUNS) || runs }
  if (process.env.FUZZ_SEED) {
    parameters.seed = Number(process.env.FUZZ_SEED)
    if (process.env.FUZZ_PATH) parameters.path = process.env.FUZZ_PATH
  }
  return parameters
}
