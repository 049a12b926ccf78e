import { clip, odataError } from './odata-error'
import { normaliseTimestamp } from './date-literal'

export type Token
  = | { type: 'ident', value: string, pos: number }
    | { type: 'string', value: string, pos: number }
    | { type: 'number', value: number, pos: number }
    | { type: 'date', value: string, pos: number }
    | { type: 'punct', value: '(' | ')' | ',' | '-', pos: number }
    | { type: 'end', pos: number }

const IDENT = /[A-Z_][\w.]*/iy
const NUMBER = /\d+(?:\.\d+)?(?:e[+-]?\d+)?[dfLm]?(?![\w.])/iy
const BARE_TIMESTAMP = /\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?(?![\w.:-])/iy
const GUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i

/** A token as a message names it: `end of input`, `string 'abc'`, `')'`. */
export function describeToken(token: Token): string {
  switch (token.type) {
    case 'end': return 'end of input'
    case 'string': return `string '${clip(token.value)}'`
    case 'number': return `number ${token.value}`
    case 'date': return `timestamp ${token.value}`
    default: return `'${clip(token.value)}'`
  }
}

function sticky(re: RegExp, text: string, pos: number): string | undefined {
  re.lastIndex = pos
  return re.exec(text)?.[0]
}

/** The body of a quoted literal starting at `pos` (the opening quote), with `''` unescaped. */
function readQuoted(text: string, pos: number): { value: string, end: number } {
  let value = ''
  let i = pos + 1
  for (;;) {
    const close = text.indexOf('\'', i)
    if (close < 0) throw odataError('$filter', 'unterminated string literal', pos)
    value += text.slice(i, close)
    if (text[close + 1] !== '\'') return { value, end: close + 1 }
    value += '\''
    i = close + 2
  }
}

function prefixedLiteral(prefix: string, body: string, pos: number): Token {
  const kind = prefix.toLowerCase()
  if (kind === 'datetime' || kind === 'datetimeoffset') {
    const value = normaliseTimestamp(body)
    if (!value) throw odataError('$filter', `invalid ${kind} literal '${clip(body)}'`, pos)
    return { type: 'date', value, pos }
  }
  if (kind === 'guid') {
    if (!GUID.test(body)) throw odataError('$filter', `invalid guid literal '${clip(body)}'`, pos)
    return { type: 'string', value: body, pos }
  }
  throw odataError('$filter', `unsupported literal type '${clip(prefix)}'`, pos)
}

/** Splits a `$filter` into tokens; the last one is always `end`. Throws `ODataError` with the position. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let pos = 0
  while (pos < text.length) {
    const ch = text[pos]!
    if (/\s/.test(ch)) {
      pos++
      continue
    }
    if (ch === '(' || ch === ')' || ch === ',' || ch === '-') {
      tokens.push({ type: 'punct', value: ch, pos })
      pos++
      continue
    }
    if (ch === '\'') {
      const { value, end } = readQuoted(text, pos)
      tokens.push({ type: 'string', value, pos })
      pos = end
      continue
    }
    const timestamp = sticky(BARE_TIMESTAMP, text, pos)
    if (timestamp) {
      const value = normaliseTimestamp(timestamp)
      if (!value) throw odataError('$filter', `invalid timestamp '${timestamp}'`, pos)
      tokens.push({ type: 'date', value, pos })
      pos += timestamp.length
      continue
    }
    const number = sticky(NUMBER, text, pos)
    if (number) {
      const value = Number(number.replace(/[dfLm]$/i, ''))
      if (!Number.isFinite(value)) throw odataError('$filter', `number out of range '${clip(number)}'`, pos)
      tokens.push({ type: 'number', value, pos })
      pos += number.length
      continue
    }
    if (/\d/.test(ch)) throw odataError('$filter', `invalid number '${/^[\w.:+-]{1,40}/.exec(text.slice(pos))![0]}'`, pos)
    const ident = sticky(IDENT, text, pos)
    if (ident) {
      if (text[pos + ident.length] === '\'') {
        const { value, end } = readQuoted(text, pos + ident.length)
        tokens.push(prefixedLiteral(ident, value, pos))
        pos = end
        continue
      }
      tokens.push({ type: 'ident', value: ident, pos })
      pos += ident.length
      continue
    }
    throw odataError('$filter', `unexpected character '${ch}'`, pos)
  }
  tokens.push({ type: 'end', pos: text.length })
  return tokens
}
