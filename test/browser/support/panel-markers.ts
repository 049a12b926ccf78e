import { readdirSync, readFileSync, statSync } from 'node:fs'
import { extname, join } from 'node:path'
import { DEVTOOLS_ROUTE } from '../../../src/runtime/devtools/contract'

/**
 * Strings of the app's DevTools bookkeeping, the development-only client plugin: the name it provides its bridge
 * under (`nuxtApp.$offlineSyncDevtools`) and the runtime hook it calls. The development app loads them
 * (devtools.test.ts); a production build must not contain them.
 */
export const BRIDGE_MARKERS = ['offlineSyncDevtools', 'offline-sync:devtools:changed']

/** The bridge's strings and the panel's route (its `app.baseURL`): none may be in a production build. */
export const PANEL_MARKERS = [...BRIDGE_MARKERS, DEVTOOLS_ROUTE]

const TEXT = new Set(['.js', '.mjs', '.cjs', '.json', '.html', '.css', '.map', '.ts', '.vue', '.txt'])

/** Every file under `dir` (recursively), as paths relative to it. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(path => statSync(join(dir, path)).isFile())
}

/** `marker → files` for every marker found in the text files under `dir` (their names included) that `include` takes. */
export function findMarkers(dir: string, markers = PANEL_MARKERS, include: (path: string) => boolean = () => true): Record<string, string[]> {
  const found: Record<string, string[]> = {}
  for (const path of filesUnder(dir).filter(include)) {
    const text = TEXT.has(extname(path)) ? readFileSync(join(dir, path), 'utf8') : ''
    for (const marker of markers) {
      if (path.includes(marker) || text.includes(marker)) (found[marker] ??= []).push(path)
    }
  }
  return found
}
