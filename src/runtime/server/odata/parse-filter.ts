import { nodePositions, type FilterNode, type LiteralNode } from './ast'
import { normaliseTimestamp } from './date-literal'
import { arityText, FUNCTIONS } from './functions'
import { describeToken as describe, tokenize, type Token } from './lexer'
import { clip, ODataError, odataError } from './odata-error'

export const MAX_FILTER_LENGTH = 8192
/** Parentheses, function calls, `not` and unary minus nested deeper than this are refused. */
export const MAX_FILTER_DEPTH = 64
export const MAX_IN_VALUES = 1000

/** Binding strength of the binary operators (OData: or < and < eq ne < gt ge lt le < add sub < mul div mod). */
const BINARY = new Map<string, number>([
  ['or', 1], ['and', 2], ['eq', 3], ['ne', 3], ['gt', 4], ['ge', 4], ['lt', 4], ['le', 4],
  ['add', 5], ['sub', 5], ['mul', 6], ['div', 6], ['mod', 6],
])
const COLUMN = /^[A-Z_]\w*$/i
const CAST_TYPE = /^edm\.datetime(?:offset)?$/i

/**
 * Parses an OData `$filter` (protocol v2 and v3 syntax) into a `FilterNode`. Checks the syntax, function
 * names and arities; column names and types are checked by `checkFilter`. Throws `ODataError` naming the
 * 0-based position of the problem.
 */
export function parseFilter(text: string): FilterNode {
  if (typeof text !== 'string') throw new ODataError('$filter: must be a string')
  if (text.length > MAX_FILTER_LENGTH) throw odataError('$filter', `longer than ${MAX_FILTER_LENGTH} characters`)
  return new FilterParser(tokenize(text)).parse()
}

class FilterParser {
  private index = 0
  private depth = 0

  constructor(private readonly tokens: Token[]) {}

  parse(): FilterNode {
    const node = this.expression(1)
    const rest = this.peek()
    if (rest.type !== 'end') this.fail(`unexpected ${describe(rest)}`, rest.pos)
    return node
  }

  private peek(): Token {
    return this.tokens[this.index]!
  }

  private next(): Token {
    const token = this.tokens[this.index]!
    if (token.type !== 'end') this.index++
    return token
  }

  private isPunct(value: string): boolean {
    const token = this.peek()
    return token.type === 'punct' && token.value === value
  }

  private expect(value: '(' | ')' | ','): void {
    const token = this.peek()
    if (token.type !== 'punct' || token.value !== value) this.fail(`expected '${value}' but found ${describe(token)}`, token.pos)
    this.index++
  }

  private fail(problem: string, pos: number): never {
    throw odataError('$filter', problem, pos)
  }

  private at<T extends FilterNode>(node: T, pos: number): T {
    nodePositions.set(node, pos)
    return node
  }

  /** Runs `parse` one nesting level deeper (parentheses, calls, `not`, unary minus). */
  private nested<T>(pos: number, parse: () => T): T {
    if (++this.depth > MAX_FILTER_DEPTH) this.fail(`nested deeper than ${MAX_FILTER_DEPTH} levels`, pos)
    const result = parse()
    this.depth--
    return result
  }

  /** `( item, item, … )`; `allowEmpty` lets `()` through. */
  private list<T>(item: () => T, allowEmpty: boolean): T[] {
    const items: T[] = []
    this.expect('(')
    if (!allowEmpty || !this.isPunct(')')) {
      do items.push(item())
      while (this.isPunct(',') && ++this.index)
    }
    this.expect(')')
    return items
  }

  private expression(minPrecedence: number): FilterNode {
    let left = this.unary()
    for (;;) {
      const token = this.peek()
      const precedence = token.type === 'ident' ? BINARY.get(token.value) : undefined
      if (token.type !== 'ident' || precedence === undefined || precedence < minPrecedence) return left
      this.index++
      const right = this.expression(precedence + 1)
      left = this.combine(token.value, left, right, token.pos)
    }
  }

  private combine(op: string, left: FilterNode, right: FilterNode, pos: number): FilterNode {
    if (op === 'and' || op === 'or') {
      const operands = [left, right].flatMap(node => node.kind === op ? node.operands : [node])
      return this.at({ kind: op, operands }, pos)
    }
    if (op === 'add' || op === 'sub' || op === 'mul' || op === 'div' || op === 'mod') {
      return this.at({ kind: 'arithmetic', op, left, right }, pos)
    }
    return this.at({ kind: 'compare', op: op as 'eq', left, right }, pos)
  }

  private unary(): FilterNode {
    const token = this.peek()
    if (token.type === 'ident' && token.value === 'not') {
      this.index++
      return this.at({ kind: 'not', operand: this.nested(token.pos, () => this.unary()) }, token.pos)
    }
    if (token.type === 'punct' && token.value === '-') {
      this.index++
      const operand = this.nested(token.pos, () => this.unary())
      if (operand.kind === 'literal' && operand.type === 'number') return this.at({ kind: 'literal', type: 'number', value: -operand.value }, token.pos)
      return this.at({ kind: 'negate', operand }, token.pos)
    }
    const node = this.primary()
    const after = this.peek()
    if (after.type === 'ident' && after.value === 'in' && this.tokens[this.index + 1]?.type === 'punct') return this.inList(node)
    return node
  }

  private primary(): FilterNode {
    const token = this.next()
    switch (token.type) {
      case 'string': return this.at({ kind: 'literal', type: 'string', value: token.value }, token.pos)
      case 'number': return this.at({ kind: 'literal', type: 'number', value: token.value }, token.pos)
      case 'date': return this.at({ kind: 'literal', type: 'date', value: token.value }, token.pos)
      case 'punct':
        if (token.value !== '(') break
        return this.nested(token.pos, () => {
          const inner = this.expression(1)
          this.expect(')')
          return inner
        })
      case 'ident':
        if (this.isPunct('(')) return this.call(token.value, token.pos)
        if (token.value === 'true' || token.value === 'false') return this.at({ kind: 'literal', type: 'boolean', value: token.value === 'true' }, token.pos)
        if (token.value === 'null') return this.at({ kind: 'literal', type: 'null', value: null }, token.pos)
        if (!COLUMN.test(token.value) || BINARY.has(token.value) || token.value === 'in') break
        return this.at({ kind: 'column', name: token.value }, token.pos)
    }
    return this.fail(`expected an expression but found ${describe(token)}`, token.pos)
  }

  private call(name: string, pos: number): FilterNode {
    const lower = name.toLowerCase()
    if (lower !== 'cast' && !Object.hasOwn(FUNCTIONS, lower)) this.fail(`unknown function '${clip(name)}'`, pos)
    if (lower === 'cast') return this.nested(pos, () => this.cast(pos))
    const args = this.nested(pos, () => this.list(() => this.expression(1), true))
    const signature = FUNCTIONS[lower]!
    if (args.length < (signature.required ?? signature.args.length) || args.length > signature.args.length) {
      this.fail(`function '${lower}' expects ${arityText(signature)} argument${signature.args.length === 1 ? '' : 's'}, got ${args.length}`, pos)
    }
    return this.at({ kind: 'call', name: lower, args }, pos)
  }

  /** `cast(<value>, Edm.DateTimeOffset)`; literals fold into a date literal. */
  private cast(pos: number): FilterNode {
    this.expect('(')
    const valuePos = this.peek().pos
    const operand = this.expression(1)
    this.expect(',')
    const type = this.next()
    if (type.type !== 'ident' || !CAST_TYPE.test(type.value)) this.fail(`cast supports only Edm.DateTimeOffset, found ${describe(type)}`, type.pos)
    this.expect(')')
    if (operand.kind === 'literal' && operand.type === 'date') return operand
    if (operand.kind === 'literal' && operand.type === 'string') {
      const value = normaliseTimestamp(operand.value)
      if (!value) this.fail(`invalid timestamp '${clip(operand.value)}' in cast`, valuePos)
      return this.at({ kind: 'literal', type: 'date', value }, valuePos)
    }
    if (operand.kind === 'literal') this.fail(`cannot cast a ${operand.type} to Edm.DateTimeOffset`, valuePos)
    return this.at({ kind: 'cast', to: 'date', operand }, pos)
  }

  /** `<operand> in (<literal>, …)`. */
  private inList(operand: FilterNode): FilterNode {
    const pos = this.next().pos
    let count = 0
    const values = this.list((): LiteralNode => {
      const valuePos = this.peek().pos
      const value = this.unary()
      if (value.kind !== 'literal') this.fail('\'in\' accepts only literal values', valuePos)
      if (++count > MAX_IN_VALUES) this.fail(`more than ${MAX_IN_VALUES} values in 'in'`, valuePos)
      return value
    }, false)
    return this.at({ kind: 'in', operand, values }, pos)
  }
}
