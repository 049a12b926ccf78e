import { shallowRef, watch, type Ref, type ShallowRef } from 'vue'
import type { QueuedOperation } from '../../src/runtime/core/operation'
import { useOfflineSyncHost, type PayloadRead } from './host'

/**
 * What a push would send for `operation` now: an insert or update carries no payload, push reads its row then, so
 * the app's local row is read again whenever the panel takes a new snapshot (the row may have changed). `undefined`
 * for a delete (its payload is the row snapshot it carries) and until the first read answers.
 */
export function useOperationPayload(operation: Ref<QueuedOperation | undefined>): Readonly<ShallowRef<PayloadRead | undefined>> {
  const host = useOfflineSyncHost()
  const payload = shallowRef<PayloadRead>()
  let latest = 0
  watch(() => {
    const op = operation.value
    return op && op.kind !== 'delete' ? [op.table, op.itemId, host.snapshot.value?.at] as const : undefined
  }, async (target, previous) => {
    const read = ++latest
    if (!target) {
      payload.value = undefined
      return
    }
    // another item: show nothing of the previous one while reading
    if (previous?.[0] !== target[0] || previous?.[1] !== target[1]) payload.value = undefined
    const result = await host.payload(target[0], target[1])
    if (read === latest) payload.value = result
  }, { immediate: true })
  return payload
}
