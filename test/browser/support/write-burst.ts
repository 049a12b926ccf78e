// A burst of writes through the app's own sync table (test/fixtures/reliability), and what must hold of IndexedDB
// after the page died in the middle of it (test/browser/crash-safety.test.ts).
import type { Page } from 'playwright-core'
import { expect } from 'vitest'
import type { QueuedOperation } from '../../../src/runtime/core/operation'
import { NOTES } from './fixture-tables'
import type { OfflineSyncWindow } from './page-api'

export interface BurstOptions {
  /** Ids of inserted rows: `<prefix>-<chain>`. */
  prefix: string
  /** Chain i < `synced` changes the synced note `note-<firstNote + i>`. */
  firstNote: number
  synced: number
  chains: number
  /** Chains running at once (each has one write in flight). */
  concurrency: number
}

export interface BurstState {
  /** Writes called (insert, update, remove). */
  issued: number
  /** `<id> <step>` of every write that resolved, in order. */
  acked: string[]
  errors: string[]
}

type BurstWindow = OfflineSyncWindow & { __burst: BurstState }

/**
 * Starts `chains` write chains in the page, `concurrency` at a time, through the app's own sync table `notes`, and
 * returns at once. Chain i < `synced` changes synced note `note-<firstNote + i>`: update (step 1), then for even i
 * delete (step 2). Any other chain inserts `<prefix>-<i>` (step 1), updates it (step 2), and for i % 3 === 0
 * deletes it (step 3). Each write sets the row's title to `<id>#<step>`.
 */
export function startBurst(page: Page, options: BurstOptions): Promise<void> {
  return page.evaluate(({ prefix, firstNote, synced, chains, concurrency }) => {
    const target = window as unknown as BurstWindow
    const notes = target.__offlineSync.client.table<{ id: string, title: string, n: number, done: boolean }>('notes')
    const state: BurstState = { issued: 0, acked: [], errors: [] }
    target.__burst = state
    const write = async (id: string, step: number, call: () => Promise<unknown>) => {
      state.issued++
      await call()
      state.acked.push(`${id} ${step}`)
    }
    const chain = async (i: number) => {
      if (i < synced) {
        const id = `note-${firstNote + i}`
        await write(id, 1, () => notes.update({ id, title: `${id}#1` }))
        if (i % 2 === 0) await write(id, 2, () => notes.remove(id))
        return
      }
      const id = `${prefix}-${i}`
      await write(id, 1, () => notes.insert({ id, title: `${id}#1`, n: i, done: false }))
      await write(id, 2, () => notes.update({ id, title: `${id}#2` }))
      if (i % 3 === 0) await write(id, 3, () => notes.remove(id))
    }
    let next = 0
    const worker = async () => {
      while (next < chains) {
        const i = next++
        await chain(i).catch((error: unknown) => state.errors.push(String(error)))
      }
    }
    for (let k = 0; k < concurrency; k++) void worker()
  }, options)
}

/** The burst's counters as they are now. */
export function burstState(page: Page): Promise<BurstState> {
  return page.evaluate(() => {
    const { issued, acked, errors } = (window as unknown as BurstWindow).__burst
    return { issued, acked: [...acked], errors: [...errors] }
  })
}

/** The step a stored note is at (its title `<id>#<step>`; an untouched synced note is at 0). */
function stepOf(row: Record<string, unknown>): number {
  const match = /#(\d+)$/.exec(String(row.title))
  return match ? Number(match[1]) : 0
}

export interface StoredBurst {
  /** The local rows of `notes`, by id, and the queue, as read from IndexedDB after the crash. */
  rows: Map<string, Record<string, unknown>>
  operations: QueuedOperation[]
  /** The server's rows of `notes` before the burst (nothing was pushed since), by id. */
  server: Map<string, Record<string, unknown>>
  /** `BurstState.acked` read just before the page died. */
  acked: string[]
  prefix: string
  firstNote: number
}

/**
 * The queue accounts for every stored row and the rows for every operation: at most one operation per item (the
 * collapse rules held), none without its row (but deletes), every never-synced row with its insert, every synced row
 * either as the server has it or with its update (and the version it had), every synced row that is gone with its
 * delete. And no write the app was told is stored went missing or back.
 */
export function expectQueueAccountsForRows({ rows, operations, server, acked, prefix, firstNote }: StoredBurst): void {
  const byItem = new Map<string, QueuedOperation>()
  for (const operation of operations) {
    expect(operation.table).toBe(NOTES)
    expect(byItem.has(operation.itemId), `two operations for ${operation.itemId}`).toBe(false)
    byItem.set(operation.itemId, operation)
    // nothing was pushed
    expect(operation.state).toBe('pending')
    expect(rows.has(operation.itemId), `${operation.kind} ${operation.itemId}`).toBe(operation.kind !== 'delete')
  }
  for (const [id, row] of rows) {
    const operation = byItem.get(id)
    if (id.startsWith(`${prefix}-`)) {
      expect(operation?.kind, id).toBe('insert')
      expect(row.version).toBeUndefined()
    }
    else if (row.title === server.get(id)?.title) {
      expect(operation, id).toBeUndefined()
    }
    else {
      expect(operation?.kind, id).toBe('update')
      expect(operation?.version).toBe(server.get(id)?.version)
    }
  }
  for (const id of server.keys()) {
    if (!rows.has(id)) expect(byItem.get(id)?.kind, id).toBe('delete')
  }

  // each item is at its last acknowledged step or later
  const lastAcked = new Map<string, number>()
  for (const entry of acked) {
    const [id, step] = entry.split(' ')
    lastAcked.set(id!, Number(step))
  }
  for (const [id, step] of lastAcked) {
    const row = rows.get(id)
    const synced = id.startsWith('note-')
    if (row) {
      expect(step, id).toBeLessThan(synced ? 2 : 3)
      expect(stepOf(row), id).toBeGreaterThanOrEqual(step)
    }
    else {
      const chain = synced ? Number(id.slice('note-'.length)) - firstNote : Number(id.slice(prefix.length + 1))
      expect(synced ? chain % 2 : chain % 3, `${id} is gone but its chain never deletes it`).toBe(0)
    }
  }
}
