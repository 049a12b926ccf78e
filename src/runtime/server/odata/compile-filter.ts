import { sql, type Expression, type RawBuilder, type SqlBool } from 'kysely'
import type { CompareNode, CompareOperator, FilterNode, InNode, LiteralNode } from './ast'
import { checkFilter, type ExpressionType } from './check-filter'
import type { CompileContext } from './columns'
import { FUNCTION_SQL } from './compile-functions'
import { normaliseTimestamp, timestampParameter } from './date-literal'

type Sql = RawBuilder<unknown>

const OPERATORS: Record<CompareOperator, Sql> = {
  eq: sql`=`, ne: sql`<>`, gt: sql`>`, ge: sql`>=`, lt: sql`<`, le: sql`<=`,
}
const ARITHMETIC = { add: sql`+`, sub: sql`-`, mul: sql`*` }
/** `a op b` is `b FLIPPED[op] a`. */
const FLIPPED: Record<CompareOperator, CompareOperator> = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' }

/** A literal as a typed parameter (every parameter is cast, so PostgreSQL never guesses its type). */
function literal(node: LiteralNode): Sql {
  switch (node.type) {
    case 'null': return sql`null`
    case 'string': return sql`${node.value}::text`
    case 'number': return sql`${node.value}::double precision`
    case 'boolean': return sql`${node.value}::boolean`
    case 'date': return sql`${timestampParameter(node.value).text}::timestamptz`
  }
}

const isNull = (node: FilterNode): boolean => node.kind === 'literal' && node.type === 'null'
const isLiteral = (node: FilterNode): boolean => node.kind === 'literal'

/**
 * Compiles a filter into a parameterised Kysely boolean expression for PostgreSQL / PGlite: values are
 * parameters, columns are quoted identifiers. The filter is type-checked first (see `checkFilter`).
 *
 * Semantics follow OData rather than SQL's three-valued logic: `eq null`/`ne null` test for NULL,
 * `x ne 'a'` is true when `x` is null, `eq` between two non-literal operands is null-safe, `not` of an
 * unknown is true, `div`/`mod` by zero give null, and timestamps compare at full precision.
 */
export function compileFilter(node: FilterNode, ctx: CompileContext): Expression<SqlBool> {
  const { typeOf } = checkFilter(node, ctx)

  /** The normalised timestamp a literal stands for next to an operand of type `other`. */
  function timestampOf(node: FilterNode, other: ExpressionType): string | undefined {
    if (node.kind !== 'literal') return undefined
    if (node.type === 'date') return node.value
    if (node.type === 'string' && other === 'date') return normaliseTimestamp(node.value)
    return undefined
  }

  function binary(left: Sql, op: CompareOperator, right: Sql, withLiteral: boolean): Sql {
    if (op === 'eq') return withLiteral ? sql`(${left} = ${right})` : sql`(${left} is not distinct from ${right})`
    if (op === 'ne') return sql`(${left} is distinct from ${right})`
    return sql`(${left} ${OPERATORS[op]} ${right})`
  }

  function compare({ op, left, right }: CompareNode): Sql {
    if (isNull(left) && isNull(right)) return op === 'eq' ? sql`true` : sql`false`
    if (isNull(left) || isNull(right)) {
      const operand = compile(isNull(left) ? right : left)
      return op === 'eq' ? sql`(${operand} is null)` : sql`(${operand} is not null)`
    }
    let leftTimestamp = timestampOf(left, typeOf(right))
    let rightTimestamp = timestampOf(right, typeOf(left))
    if (leftTimestamp !== undefined && rightTimestamp === undefined) {
      [left, right, leftTimestamp, rightTimestamp, op] = [right, left, rightTimestamp, leftTimestamp, FLIPPED[op]]
    }
    if (rightTimestamp === undefined) return binary(compile(left), op, compile(right), isLiteral(left) || isLiteral(right))
    const parameter = timestampParameter(rightTimestamp)
    const value = sql`${parameter.text}::timestamptz`
    const operand = leftTimestamp === undefined ? compile(left) : sql`${timestampParameter(leftTimestamp).text}::timestamptz`
    if (!parameter.inexact) return binary(operand, op, value, true)
    // The literal lies strictly between two microseconds, T < literal < T + 1µs, and every stored
    // timestamp is a whole number of microseconds: `x > literal` ⇔ `x > T`, `x < literal` ⇔ `x <= T`.
    if (op === 'eq' || op === 'ne') return op === 'eq' ? sql`false` : sql`true`
    return op === 'gt' || op === 'ge' ? sql`(${operand} > ${value})` : sql`(${operand} <= ${value})`
  }

  function inList({ operand, values }: InNode): Sql {
    const type = typeOf(operand)
    const items: Sql[] = []
    let withNull = false
    for (const value of values) {
      const timestamp = timestampOf(value, type)
      if (value.type === 'null') withNull = true
      else if (timestamp === undefined) items.push(literal(value))
      else if (!timestampParameter(timestamp).inexact) items.push(sql`${timestampParameter(timestamp).text}::timestamptz`)
    }
    const x = compile(operand)
    if (withNull) {
      // array_position compares with IS NOT DISTINCT FROM, so null finds null; `x` appears only once
      return items.length ? sql`(array_position(array[${sql.join(items)}, null], ${x}) is not null)` : sql`(${x} is null)`
    }
    return items.length ? sql`(${x} in (${sql.join(items)}))` : sql`false`
  }

  function compile(node: FilterNode): Sql {
    switch (node.kind) {
      case 'literal': return literal(node)
      case 'column': return sql.id(node.name)
      case 'and':
      case 'or': return sql`(${sql.join(node.operands.map(compile), node.kind === 'and' ? sql` and ` : sql` or `)})`
      case 'not': return sql`(not coalesce(${compile(node.operand)}, false))`
      case 'negate': return sql`(-${compile(node.operand)})`
      case 'arithmetic': {
        const left = compile(node.left)
        const right = compile(node.right)
        if (node.op === 'div') return sql`(${left} / nullif(${right}, 0))`
        if (node.op === 'mod') return sql`mod((${left})::numeric, nullif(${right}, 0)::numeric)::double precision`
        return sql`(${left} ${ARITHMETIC[node.op]} ${right})`
      }
      case 'cast': return compile(node.operand)
      case 'call': return FUNCTION_SQL[node.name]!(node.args.map(compile))
      case 'compare': return compare(node)
      case 'in': return inList(node)
    }
  }

  return sql<SqlBool>`${compile(node)}`
}
