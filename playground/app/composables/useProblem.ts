/** The last failed action, shown above the page; `attempt` runs an action and reports its error there. */
export function useProblem() {
  const problem = useState('problem', () => '')
  async function attempt(action: () => Promise<unknown>): Promise<void> {
    try {
      problem.value = ''
      await action()
    }
    catch (error) {
      problem.value = error instanceof Error ? error.message : String(error)
    }
  }
  return { problem, attempt }
}
