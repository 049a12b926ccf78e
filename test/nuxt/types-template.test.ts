import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import ts from 'typescript'
import { afterAll, describe, expect, it } from 'vitest'
import { tableTypesTemplate } from '../../src/types-template'

// the nuxt environment serves test files over http: resolve from the project root (vitest's cwd)
const runtime = resolve(process.cwd(), 'src/runtime')
const dir = mkdtempSync(join(tmpdir(), 'offline-sync-types-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const files: Record<string, string> = {}
let diagnostics: ts.Diagnostic[] | undefined

/** Errors in the snippet `name` (see `snippet`), all snippets type-checked in one program against the generated declaration. */
function typeErrors(name: string): string[] {
  if (!diagnostics) {
    writeFileSync(join(dir, 'offline-sync.d.ts'), tableTypesTemplate({
      todos: { columns: { text: 'string', done: 'boolean', dueOn: 'date', meta: 'json', rank: 'number' } },
      lists: { columns: { name: 'string' } },
    }, join(runtime, 'types')))
    // the Nuxt virtual modules the composable imports, as far as its types need them
    writeFileSync(join(dir, 'nuxt-stubs.d.ts'), [
      'declare module \'#imports\' { export function useNuxtApp(): any }',
      'declare module \'#app\' { export type NuxtApp = any }',
    ].join('\n'))
    const program = ts.createProgram([join(dir, 'nuxt-stubs.d.ts'), join(dir, 'offline-sync.d.ts'), ...Object.values(files)], {
      strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, types: [],
    })
    diagnostics = [...ts.getPreEmitDiagnostics(program)]
  }
  const file = files[name]!.replaceAll('\\', '/')
  return diagnostics.filter(d => d.file?.fileName === file).map(d => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
}

/** Registers a snippet to type-check (before the first `typeErrors` call). */
function snippet(name: string, code: string): void {
  files[name] = join(dir, `${name}.ts`)
  writeFileSync(files[name], code)
}

const composable = JSON.stringify(join(runtime, 'composables/useSyncTable'))
const types = JSON.stringify(join(runtime, 'types'))

snippet('typed', `
  import { useSyncTable } from ${composable}
  import type { SyncRow, SyncTableName } from ${types}

  const todos = useSyncTable('todos')
  export async function use() {
    const row = await todos.insert({ text: 'milk', done: false, dueOn: '2025-01-01T00:00:00.000Z', meta: { a: 1 } })
    const id: string = row.id
    const text: string | null | undefined = row.text
    const version: string | undefined = row.version
    await todos.update({ ...row, done: true })
    // @ts-expect-error a boolean column
    await todos.update({ id, done: 'yes' })
    // @ts-expect-error an undeclared column
    await todos.insert({ colour: 'red' })
    // @ts-expect-error update needs the id
    await todos.update({ text: 'x' })
    const open = todos.live(() => ({ where: { done: false }, orderBy: 'text' }))
    const first: SyncRow<'todos'> | undefined = open.value?.[0]
    // @ts-expect-error lists have no text
    const wrong: string | null | undefined = useSyncTable('lists').live().value?.[0]?.text
    // @ts-expect-error an undeclared table
    useSyncTable('nope')
    const name: SyncTableName = 'lists'
    interface Mine { text?: string | null, extra?: number }
    const custom = await useSyncTable<Mine>('todos').get(id)
    const extra: number | undefined = custom?.extra
    return { text, version, first, wrong, name, extra }
  }
`)

snippet('misuse', `
  import { useSyncTable } from ${composable}
  useSyncTable('nope')
  useSyncTable('todos').insert({ done: 'yes' })
`)

describe('generated table types', () => {
  it('maps each column type to its TypeScript type, plus the system columns', () => {
    const source = tableTypesTemplate({ todos: { columns: { text: 'string', done: 'boolean', dueOn: 'date', meta: 'json', rank: 'number' } } }, '/x/runtime/types')
    expect(source).toContain('declare module "/x/runtime/types"')
    expect(source).toContain('"todos": SystemColumns & {')
    expect(source).toContain('"text"?: string | null')
    expect(source).toContain('"done"?: boolean | null')
    expect(source).toContain('"dueOn"?: string | null')
    expect(source).toContain('"meta"?: unknown')
    expect(source).toContain('"rank"?: number | null')
  })

  it('types the owner column as a string, declared among the columns or not', () => {
    const source = tableTypesTemplate({
      notes: { columns: { body: 'string' }, owner: 'userId' },
      lists: { columns: { ownerId: 'string' }, owner: 'ownerId' },
    }, '/x/runtime/types')
    expect(source).toContain('"userId"?: string | null')
    expect(source.match(/"ownerId"/g)).toHaveLength(1)
  })

  it('types useSyncTable by table name and rejects undeclared names', () => {
    expect(typeErrors('typed')).toEqual([])
  })

  it('reports misuse as type errors', () => {
    expect(typeErrors('misuse')).toHaveLength(2)
  })
})
