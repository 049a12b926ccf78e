import type { TableService } from './table-service'

let current: TableService | undefined

/** Called by the Nitro plugin once it has built the service. */
export function setTableService(service: TableService | undefined): void {
  current = service
}

/** The service the Nitro plugin built; the route handler delegates to it. */
export function useTableService(): TableService {
  if (!current) throw new Error('[nuxt-offline-sync] the table service is not ready (its Nitro plugin did not run)')
  return current
}
