/** Abstract syntax tree of an OData `$filter`, as produced by `parseFilter`. */

export type CompareOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'
export type ArithmeticOperator = 'add' | 'sub' | 'mul' | 'div' | 'mod'

/**
 * A literal. `date` values are normalised to UTC, `YYYY-MM-DDTHH:mm:ss.fffZ` with at least three and
 * otherwise exactly the given fractional digits (`…00.1234567Z`), so no precision is lost or invented.
 */
export type LiteralNode
  = | { kind: 'literal', type: 'string', value: string }
    | { kind: 'literal', type: 'number', value: number }
    | { kind: 'literal', type: 'boolean', value: boolean }
    | { kind: 'literal', type: 'date', value: string }
    | { kind: 'literal', type: 'null', value: null }

export interface ColumnNode { kind: 'column', name: string }
export interface CompareNode { kind: 'compare', op: CompareOperator, left: FilterNode, right: FilterNode }
/** `and` / `or` chains are flattened: `a and b and c` is one node with three operands. */
export interface LogicalNode { kind: 'and' | 'or', operands: FilterNode[] }
export interface NotNode { kind: 'not', operand: FilterNode }
export interface ArithmeticNode { kind: 'arithmetic', op: ArithmeticOperator, left: FilterNode, right: FilterNode }
export interface NegateNode { kind: 'negate', operand: FilterNode }
/** A function call; `name` is lower case and the arity was checked by the parser. */
export interface CallNode { kind: 'call', name: string, args: FilterNode[] }
/** `cast(<expr>, Edm.DateTimeOffset)` of a non-literal (literals are folded into date literals). */
export interface CastNode { kind: 'cast', to: 'date', operand: FilterNode }
/** `<operand> in (<literal>, …)` (OData v4). */
export interface InNode { kind: 'in', operand: FilterNode, values: LiteralNode[] }

export type FilterNode
  = | LiteralNode
    | ColumnNode
    | CompareNode
    | LogicalNode
    | NotNode
    | ArithmeticNode
    | NegateNode
    | CallNode
    | CastNode
    | InNode

/** Where the parser found each node (0-based offsets), for the messages of `checkFilter`. */
export const nodePositions = new WeakMap<FilterNode, number>()
