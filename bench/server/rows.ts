// The row shape of the server benchmark, the same on every server (ours and the stock one).

/** Columns of the tables `items` (read) and `inserts` (written) on every benchmarked server. */
export const BENCH_COLUMNS = { title: 'string', done: 'boolean', n: 'number' } as const

/** The user columns of row `n` (a title of 100 characters: about 150 bytes of JSON with the id). */
export function benchRow(id: string, n: number): { id: string, title: string, done: boolean, n: number } {
  const title = `benchmark row ${n} `.padEnd(100, 'abcdefghij')
  return { id, title, done: n % 2 === 0, n }
}
