import type { ConvergenceReport } from './convergence'

/** The report as text: what ran, what was injected, what came out. */
export function formatReport(report: ConvergenceReport, rerun: string): string {
  const { counts, faults, conflictsResolved: resolved } = report
  const lines = [
    `seed ${report.seed} (re-run: ${rerun})`,
    `devices ${report.devices}, actions ${report.actions}, duration ${(report.durationMs / 1000).toFixed(1)} s`,
    `local writes ${report.writes}: ${counts.insert} inserts, ${counts.update} updates, ${counts.delete} deletes (${counts.refused} refused locally as expected)`,
    `pushes ${counts.pushes} (${counts.pushesStopped} stopped, ${counts.pushesFailed} failed), operations pushed ${counts.pushedOperations}; pulls ${counts.pulls} (${counts.pullsFailed} failed)`,
    `offline ${counts.offline} times, online ${counts.online} times, restarts ${counts.restarts}`,
    `requests through the proxies ${faults.requests}; faults injected: ${Object.entries(faults).filter(([kind]) => kind !== 'requests').map(([kind, n]) => `${kind} ${n}`).join(', ')}`,
    `conflicts resolved ${resolved.client + resolved.server + resolved.merge + resolved.discard}: client ${resolved.client}, server ${resolved.server}, merge ${resolved.merge}; writes given up by the policy ${report.lostByPolicy}`,
    `final phase: ${report.finalRounds} round(s); server rows ${report.serverRows}`,
    `rows lost (unaccounted writes): ${report.unaccounted}`,
    ...report.knownLimitations.length ? [`self-conflicts the server's log explains as a v2 undelete's revival (${report.knownLimitations.length}, not failures; see README, Guarantees):\n  ${report.knownLimitations.join('\n  ')}`] : [],
    report.problems.length ? `PROBLEMS (${report.problems.length}):\n  ${report.problems.join('\n  ')}` : 'converged: every device equals the server, every write accounted for, every queue empty, no conflict left',
  ]
  return lines.join('\n')
}
