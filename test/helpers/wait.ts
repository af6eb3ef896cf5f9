// Bounded waiting on a condition: tests never sleep for a fixed time and never wait forever.
export async function waitFor(pred: () => unknown, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}
