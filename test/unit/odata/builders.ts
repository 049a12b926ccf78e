import type { ArithmeticOperator, CompareOperator, FilterNode, LiteralNode } from '../../../src/runtime/server/odata'

/** Short constructors for expected ASTs in table tests. */
export const col = (name: string): FilterNode => ({ kind: 'column', name })
export const str = (value: string): LiteralNode => ({ kind: 'literal', type: 'string', value })
export const num = (value: number): LiteralNode => ({ kind: 'literal', type: 'number', value })
export const bool = (value: boolean): LiteralNode => ({ kind: 'literal', type: 'boolean', value })
export const date = (value: string): LiteralNode => ({ kind: 'literal', type: 'date', value })
export const nul: LiteralNode = { kind: 'literal', type: 'null', value: null }
export const cmp = (left: FilterNode, op: CompareOperator, right: FilterNode): FilterNode => ({ kind: 'compare', op, left, right })
export const arith = (left: FilterNode, op: ArithmeticOperator, right: FilterNode): FilterNode => ({ kind: 'arithmetic', op, left, right })
export const and = (...operands: FilterNode[]): FilterNode => ({ kind: 'and', operands })
export const or = (...operands: FilterNode[]): FilterNode => ({ kind: 'or', operands })
export const not = (operand: FilterNode): FilterNode => ({ kind: 'not', operand })
export const neg = (operand: FilterNode): FilterNode => ({ kind: 'negate', operand })
export const call = (name: string, ...args: FilterNode[]): FilterNode => ({ kind: 'call', name, args })
export const inList = (operand: FilterNode, ...values: LiteralNode[]): FilterNode => ({ kind: 'in', operand, values })
export const cast = (operand: FilterNode): FilterNode => ({ kind: 'cast', to: 'date', operand })
