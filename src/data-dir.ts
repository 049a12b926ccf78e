import { isAbsolute, join } from 'node:path'

/**
 * The embedded database's folder as the server should see it. In development it lives in the app's own
 * `.data/` (like Nitro's dev storage), whatever folder `nuxi dev` runs from; a built server resolves a
 * relative folder against its working directory. `memory://` and absolute folders stay as they are.
 */
export function embeddedDataDir(dataDir: string, options: { dev: boolean, rootDir: string }): string {
  if (!options.dev || dataDir.startsWith('memory://') || isAbsolute(dataDir)) return dataDir
  return join(options.rootDir, dataDir)
}
