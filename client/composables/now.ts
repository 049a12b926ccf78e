import { createSharedComposable, useIntervalFn } from '@vueuse/core'
import { shallowRef } from 'vue'

/** The current time in epoch ms, ticking every second: one timer for every age the panel shows. */
export const useNowMs = createSharedComposable(() => {
  const now = shallowRef(Date.now())
  useIntervalFn(() => now.value = Date.now(), 1000)
  return now
})
