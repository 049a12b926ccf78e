/** A `--name=N` command-line option: a positive whole number, `fallback` when not given; anything else throws. */
export function countOption(name: string, fallback: number): number {
  const arg = process.argv.find(value => value.startsWith(`--${name}=`))
  const value = arg === undefined ? fallback : Number(arg.slice(name.length + 3))
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number`)
  return value
}
