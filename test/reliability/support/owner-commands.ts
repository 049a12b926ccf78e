import fc from 'fast-check'

/** The two users of the isolation suite; each only ever writes texts and ids that start with their own name. */
export const USERS = ['alice', 'bob'] as const
export type User = typeof USERS[number]
export const otherUser = (user: User): User => user === 'alice' ? 'bob' : 'alice'

/** Which row a command aims at, resolved against the database right before it runs. */
export interface Target {
  whose: 'own' | 'other' | 'fresh'
  /** Picks among the candidate rows (modulo their number). */
  pick: number
}

/** An `If-Match` to send: none, `*`, a wrong tag, or the target row's current version (also for someone else's row). */
export type Condition = 'none' | 'any' | 'wrong' | 'current'

/** A `$filter` part: an atom naming users or ids, or a combination of parts. */
export type FilterPart
  = | { kind: 'atom', template: string }
    | { kind: 'not', part: FilterPart }
    | { kind: 'and' | 'or', parts: FilterPart[] }
    | { kind: 'parens', part: FilterPart }

export type Command
  = | { op: 'list', user: User, version: '2.0.0' | '3.0.0', filter: FilterPart | null, raw: string | null, includeDeleted: boolean, select: string[], orderBy: string | null, top: number | null, skip: number | null, count: boolean }
    | { op: 'get', user: User, version: '2.0.0' | '3.0.0', target: Target, includeDeleted: boolean }
    | { op: 'insert', user: User, version: '2.0.0' | '3.0.0', target: Target, claim: boolean, text: string }
    | { op: 'update', user: User, version: '2.0.0' | '3.0.0', target: Target, method: 'PATCH' | 'PUT', condition: Condition, claim: boolean, deleted: boolean | null, includeDeleted: boolean, bodyVersion: boolean, text: string }
    | { op: 'delete', user: User, version: '2.0.0' | '3.0.0', target: Target, condition: Condition }
    | { op: 'undelete', user: User, target: Target, condition: Condition }
    | { op: 'batch', user: User, version: '2.0.0' | '3.0.0', operations: Array<{ kind: 'insert' | 'update' | 'delete', target: Target, claim: boolean, condition: Condition, text: string }> }

/**
 * Atoms of filters that try to reach the other user's rows: `{other}`, `{me}`, `{otherId}` and `{ownId}` are
 * filled in when the command runs.
 */
const ATOMS = [
  'userId eq \'{other}\'', 'userId ne \'{me}\'', 'userId eq \'{me}\'', 'true', 'false', '1 eq 1', 'userId eq null', 'userId ne null',
  'id eq \'{otherId}\'', 'id in (\'{otherId}\', \'{ownId}\')', 'startswith(id, \'{other}\')', 'substringof(\'{other}\', userId)',
  'tolower(userId) eq \'{other}\'', 'concat(userId, \'\') eq \'{other}\'', 'length(userId) gt 0', 'deleted eq true', 'deleted eq false',
  'deleted eq true or deleted eq false', 'text ne null', 'startswith(text, \'{other}:\')', 'n ge 0', 'indexof(userId, \'{other}\') ge 0',
]
/** Texts that try to break out of the compiled filter: unbalanced parentheses, comments, a second statement. */
export const RAW_FILTERS = [
  'true) or (true', 'userId eq \'{me}\') or (userId eq \'{other}\'', '1 eq 1 --', 'true; select 1', 'userId eq \'{me}\' or \'1\' eq \'1\'',
  'userId eq \'{me}\'\' or userId eq \'\'{other}', ')', 'not', '(((((userId eq \'{other}\')))))', 'not not not (userId eq \'{me}\')',
]

const filterPart: fc.Arbitrary<FilterPart> = fc.letrec<{ part: FilterPart }>(tie => ({
  part: fc.oneof({ maxDepth: 3, depthIdentifier: 'owner-filter' },
    fc.constantFrom(...ATOMS).map((template): FilterPart => ({ kind: 'atom', template })),
    tie('part').map((part): FilterPart => ({ kind: 'not', part })),
    tie('part').map((part): FilterPart => ({ kind: 'parens', part })),
    fc.tuple(fc.constantFrom<'and' | 'or'>('and', 'or'), fc.array(tie('part'), { minLength: 2, maxLength: 3 })).map(([kind, parts]): FilterPart => ({ kind, parts })),
  ),
})).part

export function printFilterPart(part: FilterPart): string {
  switch (part.kind) {
    case 'atom': return part.template
    case 'not': return `not (${printFilterPart(part.part)})`
    case 'parens': return `(${printFilterPart(part.part)})`
    case 'and':
    case 'or': return part.parts.map(child => `(${printFilterPart(child)})`).join(` ${part.kind} `)
  }
}

const user = fc.constantFrom(...USERS)
const version = fc.constantFrom<'2.0.0' | '3.0.0'>('2.0.0', '3.0.0')
/** Mostly rows of the other user: that is what the suite is about. */
const target: fc.Arbitrary<Target> = fc.record({ whose: fc.constantFrom<Target['whose']>('other', 'other', 'own', 'fresh'), pick: fc.nat(1000) })
const condition = fc.constantFrom<Condition>('none', 'any', 'wrong', 'current', 'current')
const text = fc.stringMatching(/^[a-z0-9 ]{0,12}$/)
/** `null` four times out of five. */
const rarely = <T>(value: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: value, weight: 1 })
const COLUMNS = ['id', 'text', 'n', 'done', 'meta', 'userId', 'deleted', 'version', 'updatedAt']

/** One operation of one user; lists (with their filters) weigh as much as three other operations. */
export const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('list' as const), user, version,
      filter: fc.option(filterPart, { freq: 4 }), raw: rarely(fc.constantFrom(...RAW_FILTERS)), includeDeleted: fc.boolean(),
      select: fc.subarray(COLUMNS), orderBy: fc.option(fc.constantFrom('text', 'text desc', 'userId desc', 'updatedAt desc', 'n, text desc')),
      top: fc.option(fc.integer({ min: 0, max: 6 })), skip: fc.option(fc.integer({ min: 0, max: 6 })), count: fc.boolean(),
    }),
  },
  fc.record({ op: fc.constant('get' as const), user, version, target, includeDeleted: fc.boolean() }),
  fc.record({ op: fc.constant('insert' as const), user, version, target, claim: fc.boolean(), text }),
  fc.record({
    op: fc.constant('update' as const), user, version, target, method: fc.constantFrom<'PATCH' | 'PUT'>('PATCH', 'PUT'), condition,
    claim: fc.boolean(), deleted: fc.constantFrom(null, null, true, false), includeDeleted: fc.boolean(), bodyVersion: fc.boolean(), text,
  }),
  fc.record({ op: fc.constant('delete' as const), user, version, target, condition }),
  fc.record({ op: fc.constant('undelete' as const), user, target, condition }),
  fc.record({
    op: fc.constant('batch' as const), user, version,
    operations: fc.array(fc.record({ kind: fc.constantFrom<'insert' | 'update' | 'delete'>('insert', 'update', 'delete'), target, claim: fc.boolean(), condition, text }), { minLength: 1, maxLength: 5 }),
  }),
)
