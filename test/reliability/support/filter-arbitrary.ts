import fc from 'fast-check'
import type { ArithmeticOperator, CompareOperator, FilterNode, LiteralNode } from '../../../src/runtime/server/odata'

/** The user columns of the fuzzed table (the system columns come with every table). */
export const FUZZ_COLUMNS = { text: 'string', n: 'number', done: 'boolean', due: 'date', meta: 'json', userId: 'string' } as const

const STRING_COLUMNS = ['text', 'userId', 'id', 'version']
const DATE_COLUMNS = ['due', 'createdAt', 'updatedAt']
const ALL_COLUMNS = [...Object.keys(FUZZ_COLUMNS), 'id', 'version', 'deleted', 'createdAt', 'updatedAt']
const COMPARE: CompareOperator[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le']
const ARITHMETIC: ArithmeticOperator[] = ['add', 'sub', 'mul', 'div', 'mod']

/** Values that have broken query builders: quotes, comments, statement ends, unicode, NUL. */
export const HOSTILE_STRINGS = [
  '\'', '\'\'', '\' or \'1\'=\'1', '\'; drop table fuzz; --', '" or 1=1 --', '$1', '?', '/* */', '\\', '%', '_',
  '\u0000', 'Ω≈ç√', '😀', '\u202E', 'null', 'true', ')', '(', ' or true', 'eq', '\n', '2024-01-01T00:00:00.000Z',
]

const column = (name: string): FilterNode => ({ kind: 'column', name })
const literal = <T extends LiteralNode['type']>(type: T, value: Extract<LiteralNode, { type: T }>['value']) => ({ kind: 'literal', type, value }) as LiteralNode
const call = (name: string, ...args: FilterNode[]): FilterNode => ({ kind: 'call', name, args })

export const numberValue = fc.oneof(
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
).filter(value => !Object.is(value, -0))
export const stringValue = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom(...HOSTILE_STRINGS))
export const dateValue = fc.date({ min: new Date('0001-01-02T00:00:00.000Z'), max: new Date('9999-12-30T23:59:59.999Z'), noInvalidDate: true })
  .map(date => date.toISOString())

const stringLiteral = stringValue.map(value => literal('string', value))
const numberLiteral = numberValue.map(value => literal('number', value))
const dateLiteral = dateValue.map(value => literal('date', value))

// a type alias, not an interface: `fc.letrec` types its `tie` only for a `Record<string, unknown>`
type Typed = { bool: FilterNode, str: FilterNode, num: FilterNode, date: FilterNode }

/** Well-typed filters over `FUZZ_COLUMNS`, as ASTs (`print` turns them into `$filter` text). */
export function filterArbitraries(maxDepth = 4): { [K in keyof Typed]: fc.Arbitrary<Typed[K]> } {
  const options = { maxDepth, depthIdentifier: 'filter' }
  return fc.letrec<Typed>((tie) => {
    const bool = tie('bool')
    const str = tie('str')
    const num = tie('num')
    const date = tie('date')
    const compare = (operand: fc.Arbitrary<FilterNode>) => fc.tuple(operand, fc.constantFrom(...COMPARE), operand)
      .map(([left, op, right]): FilterNode => ({ kind: 'compare', op, left, right }))
    return {
      bool: fc.oneof(options,
        fc.constantFrom('done', 'deleted').map(column),
        fc.boolean().map(value => literal('boolean', value)),
        compare(num), compare(str), compare(date),
        // a date column against a timestamp written as a string
        fc.tuple(fc.constantFrom(...DATE_COLUMNS), fc.constantFrom(...COMPARE), dateValue)
          .map(([name, op, value]): FilterNode => ({ kind: 'compare', op, left: column(name), right: literal('string', value) })),
        fc.tuple(fc.constantFrom(...ALL_COLUMNS), fc.constantFrom<CompareOperator>('eq', 'ne'), fc.boolean())
          .map(([name, op, flip]): FilterNode => ({ kind: 'compare', op, left: flip ? literal('null', null) : column(name), right: flip ? column(name) : literal('null', null) })),
        fc.tuple(fc.constantFrom<'and' | 'or'>('and', 'or'), fc.array(bool, { minLength: 2, maxLength: 3 })).map(([kind, operands]): FilterNode => ({ kind, operands })),
        bool.map((operand): FilterNode => ({ kind: 'not', operand })),
        fc.tuple(fc.constantFrom('contains', 'startswith', 'endswith', 'substringof'), str, str).map(([name, a, b]) => call(name, a, b)),
        fc.tuple(num, fc.array(fc.oneof(numberLiteral, fc.constant(literal('null', null))), { minLength: 1, maxLength: 4 }))
          .map(([operand, values]): FilterNode => ({ kind: 'in', operand, values })),
        fc.tuple(str, fc.array(stringLiteral, { minLength: 1, maxLength: 4 })).map(([operand, values]): FilterNode => ({ kind: 'in', operand, values })),
      ),
      str: fc.oneof(options,
        fc.constantFrom(...STRING_COLUMNS).map(column),
        stringLiteral,
        fc.tuple(fc.constantFrom('tolower', 'toupper', 'trim'), str).map(([name, a]) => call(name, a)),
        fc.tuple(str, str).map(([a, b]) => call('concat', a, b)),
        fc.tuple(str, num, fc.option(num, { nil: undefined })).map(([a, start, length]) => length ? call('substring', a, start, length) : call('substring', a, start)),
        fc.tuple(str, str, str).map(([a, b, c]) => call('replace', a, b, c)),
      ),
      num: fc.oneof(options,
        fc.constant(column('n')),
        numberLiteral,
        fc.tuple(num, fc.constantFrom(...ARITHMETIC), num).map(([left, op, right]): FilterNode => ({ kind: 'arithmetic', op, left, right })),
        // unary minus of a number literal folds into the literal, so only other operands stay a `negate`
        num.filter(node => node.kind !== 'literal').map((operand): FilterNode => ({ kind: 'negate', operand })),
        str.map(a => call('length', a)),
        fc.tuple(str, str).map(([a, b]) => call('indexof', a, b)),
        fc.tuple(fc.constantFrom('year', 'month', 'day', 'hour', 'minute', 'second'), date).map(([name, a]) => call(name, a)),
        fc.tuple(fc.constantFrom('floor', 'ceiling', 'round'), num).map(([name, a]) => call(name, a)),
      ),
      date: fc.oneof(options,
        fc.constantFrom(...DATE_COLUMNS).map(column),
        dateLiteral,
        fc.constantFrom(...DATE_COLUMNS).map((name): FilterNode => ({ kind: 'cast', to: 'date', operand: column(name) })),
      ),
    }
  })
}

/** How `print` spells what OData lets a client spell several ways. */
export interface PrintStyle {
  space: string
  date: 'datetimeoffset' | 'datetime' | 'bare' | 'cast'
}

export const printStyle: fc.Arbitrary<PrintStyle> = fc.record({
  space: fc.constantFrom(' ', '  ', '\t', '\n', ' \r\n '),
  date: fc.constantFrom('datetimeoffset', 'datetime', 'bare', 'cast'),
})

/** The `$filter` text of an AST; every binary operation and every `not`/minus operand is parenthesised. */
export function print(node: FilterNode, style: PrintStyle = { space: ' ', date: 'datetimeoffset' }): string {
  const s = style.space
  const p = (child: FilterNode) => print(child, style)
  switch (node.kind) {
    case 'literal':
      switch (node.type) {
        case 'string': return `'${node.value.replace(/'/g, '\'\'')}'`
        case 'number': return node.value < 0 ? `-${String(-node.value)}` : String(node.value)
        case 'boolean': return String(node.value)
        case 'null': return 'null'
        case 'date':
          if (style.date === 'bare') return node.value
          if (style.date === 'cast') return `cast('${node.value}',${s}Edm.DateTimeOffset)`
          return `${style.date}'${node.value}'`
      }
      break
    case 'column': return node.name
    case 'compare': return `(${p(node.left)}${s}${node.op}${s}${p(node.right)})`
    case 'and':
    case 'or': return `(${node.operands.map(p).join(`${s}${node.kind}${s}`)})`
    case 'not': return `not${s}(${p(node.operand)})`
    case 'arithmetic': return `(${p(node.left)}${s}${node.op}${s}${p(node.right)})`
    case 'negate': return `-(${p(node.operand)})`
    case 'call': return `${node.name}(${node.args.map(p).join(`,${s}`)})`
    case 'cast': return `cast(${p(node.operand)},${s}Edm.DateTimeOffset)`
    case 'in': return `((${p(node.operand)})${s}in${s}(${node.values.map(p).join(`,${s}`)}))`
  }
}

/** The AST the parser gives for `print(node)`: `and`/`or` chains are flattened. */
export function normalise(node: FilterNode): FilterNode {
  switch (node.kind) {
    case 'and':
    case 'or': return { kind: node.kind, operands: node.operands.map(normalise).flatMap(child => child.kind === node.kind ? child.operands : [child]) }
    case 'not':
    case 'negate': return { ...node, operand: normalise(node.operand) }
    case 'cast': return { ...node, operand: normalise(node.operand) }
    case 'compare':
    case 'arithmetic': return { ...node, left: normalise(node.left), right: normalise(node.right) }
    case 'call': return { ...node, args: node.args.map(normalise) }
    case 'in': return { ...node, operand: normalise(node.operand) }
    default: return node
  }
}

/** Every literal of the AST, in order. */
export function literals(node: FilterNode): LiteralNode[] {
  switch (node.kind) {
    case 'literal': return [node]
    case 'column': return []
    case 'and':
    case 'or': return node.operands.flatMap(literals)
    case 'not':
    case 'negate':
    case 'cast': return literals(node.operand)
    case 'compare':
    case 'arithmetic': return [...literals(node.left), ...literals(node.right)]
    case 'call': return node.args.flatMap(literals)
    case 'in': return [...literals(node.operand), ...node.values]
  }
}

/** The AST with every literal replaced by `change(literal)` (same type). */
export function mapLiterals(node: FilterNode, change: (value: LiteralNode) => LiteralNode): FilterNode {
  const m = (child: FilterNode) => mapLiterals(child, change)
  switch (node.kind) {
    case 'literal': return change(node)
    case 'column': return node
    case 'and':
    case 'or': return { kind: node.kind, operands: node.operands.map(m) }
    case 'not':
    case 'negate':
    case 'cast': return { ...node, operand: m(node.operand) } as FilterNode
    case 'compare':
    case 'arithmetic': return { ...node, left: m(node.left), right: m(node.right) } as FilterNode
    case 'call': return { ...node, args: node.args.map(m) }
    case 'in': return { ...node, operand: m(node.operand), values: node.values.map(value => change(value)) }
  }
}
