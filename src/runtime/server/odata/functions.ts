/** The `$filter` functions we support: argument and result types, shared by parser and type checker. */

export type ValueType = 'string' | 'number' | 'boolean' | 'date'

export interface FunctionSignature {
  /** Argument types, in the order OData writes them. */
  args: ValueType[]
  /** How many arguments are required (the rest are optional); defaults to all. */
  required?: number
  returns: ValueType
}

const s: ValueType = 'string'
const n: ValueType = 'number'
const d: ValueType = 'date'

export const FUNCTIONS: Readonly<Record<string, FunctionSignature>> = {
  // v2: needle first
  substringof: { args: [s, s], returns: 'boolean' },
  // v4: haystack first
  contains: { args: [s, s], returns: 'boolean' },
  startswith: { args: [s, s], returns: 'boolean' },
  endswith: { args: [s, s], returns: 'boolean' },
  tolower: { args: [s], returns: s },
  toupper: { args: [s], returns: s },
  trim: { args: [s], returns: s },
  length: { args: [s], returns: n },
  indexof: { args: [s, s], returns: n },
  replace: { args: [s, s, s], returns: s },
  substring: { args: [s, n, n], required: 2, returns: s },
  concat: { args: [s, s], returns: s },
  year: { args: [d], returns: n },
  month: { args: [d], returns: n },
  day: { args: [d], returns: n },
  hour: { args: [d], returns: n },
  minute: { args: [d], returns: n },
  second: { args: [d], returns: n },
  floor: { args: [n], returns: n },
  ceiling: { args: [n], returns: n },
  round: { args: [n], returns: n },
}

/** `'2'` or `'2 or 3'`: the arity as a message fragment. */
export function arityText(signature: FunctionSignature): string {
  const required = signature.required ?? signature.args.length
  return required === signature.args.length ? String(required) : `${required} to ${signature.args.length}`
}
