/** A seeded pseudo-random generator: the same seed gives the same sequence on every machine and every run. */
export interface Prng {
  readonly seed: number
  /** A float in [0, 1). */
  next: () => number
  /** An integer in [0, n). */
  int: (n: number) => number
  /** An integer in [min, max]. */
  between: (min: number, max: number) => number
  /** True with probability `p`. */
  chance: (p: number) => boolean
  pick: <T>(items: readonly T[]) => T
  /** An independent generator derived from this seed and `label` (one per client, per proxy…). */
  fork: (label: string) => Prng
}

/** FNV-1a 32-bit hash of a string: stable, cheap, for seeds and for policies keyed by an id. */
export function hash32(text: string): number {
  let h = 0x811C9DC5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** mulberry32 seeded with `seed` (any 32-bit integer). */
export function createPrng(seed: number): Prng {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6D2B79F5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number) => Math.floor(next() * n)
  return {
    seed: seed >>> 0,
    next,
    int,
    between: (min, max) => min + int(max - min + 1),
    chance: p => next() < p,
    pick: items => items[int(items.length)]!,
    fork: label => createPrng(hash32(`${seed >>> 0}:${label}`)),
  }
}

/** The seed from `process.env[name]` (a number), else a fresh random one. */
export function seedFromEnv(name: string): number {
  const given = process.env[name]
  if (given !== undefined && given !== '') {
    const seed = Number(given)
    if (!Number.isInteger(seed) || seed < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(given)}`)
    return seed >>> 0
  }
  return Math.floor(Math.random() * 2 ** 32) >>> 0
}
