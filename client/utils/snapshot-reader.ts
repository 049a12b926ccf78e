// The app's sync state, read into this frame's own refs (reactivity does not cross frames): reads are coalesced and
// never overlap, and a read begun for an app the panel has left is dropped.
import { shallowRef, type ShallowRef } from 'vue'
import type { DevtoolsSnapshot, OfflineSyncDevtoolsBridge } from '../../src/runtime/devtools/contract'
import { copyPlain } from './copy'
import { errorMessage } from './format'

export interface SnapshotReader {
  /** The last snapshot read (this frame's own copy). */
  snapshot: ShallowRef<DevtoolsSnapshot | undefined>
  /** Why the last read failed, if it did. */
  readError: ShallowRef<string | undefined>
  /** Reads from `bridge` from now on (`undefined`: from nothing); what a read under way brings is dropped. */
  attach: (bridge: OfflineSyncDevtoolsBridge | undefined) => void
  /** Reads now, or once more after the read under way (a burst of calls gives one more read). */
  refresh: () => Promise<void>
}

const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms))

/** `minGapMs`: least time between the starts of two reads (a pull of many pages fires many changes). */
export function createSnapshotReader(minGapMs: number): SnapshotReader {
  const snapshot = shallowRef<DevtoolsSnapshot>()
  const readError = shallowRef<string>()
  let source: OfflineSyncDevtoolsBridge | undefined
  let generation = 0
  let reading: Promise<void> | undefined
  let again = false

  async function readLoop() {
    do {
      again = false
      const bridge = source
      const current = generation
      if (!bridge) return
      const begun = Date.now()
      try {
        const next = copyPlain(await bridge.snapshot())
        // read from an app the panel has left: dropped, and the loop goes on if the new one asked for a read
        if (current === generation) {
          snapshot.value = next
          readError.value = undefined
        }
      }
      catch (error) {
        if (current === generation) readError.value = errorMessage(error)
      }
      if (again) await sleep(minGapMs - (Date.now() - begun))
    } while (again)
  }

  function refresh(): Promise<void> {
    if (reading) {
      again = true
      return reading
    }
    reading = readLoop().finally(() => reading = undefined)
    return reading
  }

  function attach(bridge: OfflineSyncDevtoolsBridge | undefined) {
    source = bridge
    generation++
  }

  return { snapshot, readError, attach, refresh }
}
