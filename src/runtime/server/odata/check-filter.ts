import { nodePositions, type CompareNode, type FilterNode, type InNode, type LiteralNode } from './ast'
import { findColumn, type CompileContext } from './columns'
import { normaliseTimestamp } from './date-literal'
import { FUNCTIONS } from './functions'
import { clip, odataError } from './odata-error'

export type ExpressionType = 'string' | 'number' | 'boolean' | 'date' | 'json' | 'null'
export interface Typer {
  /** The type of a (sub)expression; throws `ODataError` when the expression is not well typed. */
  typeOf: (node: FilterNode) => ExpressionType
  /** `number column 'n'`, `string 'abc'`, `length(…), a number`: an operand for a message. */
  describe: (node: FilterNode) => string
}

/** A string literal that reads as a timestamp: it may stand for a date where a date is compared. */
export function isTimestampString(node: FilterNode): node is LiteralNode & { type: 'string' } {
  return node.kind === 'literal' && node.type === 'string' && normaliseTimestamp(node.value) !== undefined
}

/** A type checker for one table; results are cached per node. */
function createTyper(ctx: CompileContext): Typer {
  const cache = new WeakMap<FilterNode, ExpressionType>()

  const typeOf = (node: FilterNode): ExpressionType => {
    let type = cache.get(node)
    if (!type) {
      type = infer(node)
      cache.set(node, type)
    }
    return type
  }

  function fail(node: FilterNode, problem: string): never {
    throw odataError('$filter', problem, nodePositions.get(node))
  }

  function describe(node: FilterNode): string {
    const type = typeOf(node)
    if (node.kind === 'column') return `${type} column '${node.name}'`
    if (node.kind === 'literal') return type === 'null' ? 'null' : type === 'string' ? `string '${clip(String(node.value))}'` : `${type} ${String(node.value)}`
    if (node.kind === 'call') return `${node.name}(…), a ${type}`
    return `a ${type} expression`
  }

  function expect(node: FilterNode, type: ExpressionType, role: string): void {
    if (typeOf(node) !== type) fail(node, `${role} needs a ${type}, got ${describe(node)}`)
  }

  function comparable(a: FilterNode, b: FilterNode): boolean {
    const ta = typeOf(a)
    const tb = typeOf(b)
    return ta === tb || (ta === 'date' && isTimestampString(b)) || (tb === 'date' && isTimestampString(a))
  }

  function compare(node: CompareNode): ExpressionType {
    const { op, left, right } = node
    const types = [typeOf(left), typeOf(right)]
    if (types.includes('null')) {
      if (op === 'eq' || op === 'ne') return 'boolean'
      fail(node, `'${op}' cannot compare with null (use eq or ne)`)
    }
    const json = types[0] === 'json' ? left : types[1] === 'json' ? right : undefined
    if (json) fail(json, `${describe(json)} can only be compared with null`)
    if (!comparable(left, right)) fail(node, `cannot compare ${describe(left)} with ${describe(right)}`)
    return 'boolean'
  }

  function inList(node: InNode): ExpressionType {
    const type = typeOf(node.operand)
    if (type === 'json' || type === 'null') fail(node.operand, `'in' cannot test ${describe(node.operand)}`)
    for (const value of node.values) {
      if (value.type !== 'null' && !comparable(node.operand, value)) {
        fail(value, `'in' value ${describe(value)} does not match ${describe(node.operand)}`)
      }
    }
    return 'boolean'
  }

  function infer(node: FilterNode): ExpressionType {
    switch (node.kind) {
      case 'literal': return node.type
      case 'column': {
        const column = findColumn(ctx, node.name)
        if (!column) fail(node, `unknown column '${node.name}'`)
        return column.type === 'id' ? 'string' : column.type
      }
      case 'and':
      case 'or':
        for (const operand of node.operands) expect(operand, 'boolean', `'${node.kind}'`)
        return 'boolean'
      case 'not':
        expect(node.operand, 'boolean', '\'not\'')
        return 'boolean'
      case 'negate':
        expect(node.operand, 'number', 'unary minus')
        return 'number'
      case 'arithmetic':
        expect(node.left, 'number', `'${node.op}'`)
        expect(node.right, 'number', `'${node.op}'`)
        return 'number'
      case 'cast':
        expect(node.operand, 'date', 'cast to Edm.DateTimeOffset')
        return 'date'
      case 'call': {
        const signature = FUNCTIONS[node.name]
        if (!signature) fail(node, `unknown function '${node.name}'`)
        node.args.forEach((arg, i) => expect(arg, signature.args[i]!, `argument ${i + 1} of '${node.name}'`))
        return signature.returns
      }
      case 'compare': return compare(node)
      case 'in': return inList(node)
    }
  }

  return { typeOf, describe }
}

/**
 * Type-checks a parsed filter against the table's columns (user columns plus the system columns):
 * unknown columns, operands of the wrong type, function arguments of the wrong type and a non-boolean
 * filter throw `ODataError` naming the column or function. Returns the checker, its types cached.
 */
export function checkFilter(node: FilterNode, ctx: CompileContext): Typer {
  const typer = createTyper(ctx)
  if (typer.typeOf(node) !== 'boolean') throw odataError('$filter', `the filter must be a boolean expression, got ${typer.describe(node)}`, nodePositions.get(node))
  return typer
}
