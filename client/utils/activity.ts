import type { SyncActivity } from '../../src/runtime/core/sync/contract'
import type { DevtoolsLockHolder } from '../../src/runtime/devtools/contract'
import type { PushSummary } from '../../src/runtime/stores/sync-state'
import { count, plural } from './format'

export interface ActivityView {
  label: string
  detail: string
  /** Done share 0..1 when it is known (a push); absent for a pull (its total is unknown) and when idle. */
  fraction?: number
}

/** What the sync context is doing, in words, with the progress bar's share. */
export function describeActivity(activity: SyncActivity): ActivityView {
  switch (activity.kind) {
    case 'push':
      return {
        label: 'Pushing',
        detail: `${count(activity.done)} of ${plural(activity.total, 'operation')}`,
        fraction: activity.total > 0 ? Math.min(1, activity.done / activity.total) : 0,
      }
    case 'pull':
      return {
        label: 'Pulling',
        detail: `${activity.table}${activity.queryName ? ` (${activity.queryName})` : ''}: ${plural(activity.rows, 'row')}, ${plural(activity.pages, 'page')}`,
      }
    case 'purge':
      return { label: 'Purging', detail: activity.table }
    default:
      return { label: 'Idle', detail: 'No push, pull or purge is running.' }
  }
}

/** One line for a push result: what went, what conflicted, what failed, and why it stopped. */
export function describePush(result: PushSummary): string {
  const parts = [`${count(result.pushed)} pushed`, plural(result.conflicts.length, 'conflict'), plural(result.errors.length, 'error')]
  if (result.pushed + result.conflicts.length + result.errors.length > 0) parts.push(result.batched ? 'batched' : 'one by one')
  if (result.stopped) parts.push(`stopped (${result.stopped.reason}): ${result.stopped.error.message}`)
  return parts.join(' · ')
}

/** Who holds the cross-tab push lock: a short label and what it means. */
export const LOCK_TEXT: Record<DevtoolsLockHolder, { label: string, text: string }> = {
  'this-tab': { label: 'This tab', text: 'This tab holds the push lock: it pushes and pulls.' },
  'other-tab': { label: 'Another tab', text: 'Another tab holds the push lock: that tab syncs; this one waits.' },
  'free': { label: 'Free', text: 'No tab is syncing now.' },
  'unknown': { label: 'Unknown', text: 'This browser has no Web Locks.' },
}
