// What the app asks before stopping a room (or quitting) while other people are in it.

/** The confirmation shown before stopping a room (or quitting) while others are in it. */
export function stopHostingQuestion(
  others: number,
  quitting: boolean,
): { message: string; detail: string; confirm: string; cancel: string } {
  const people = others === 1 ? '1 person is' : `${others} people are`
  return {
    message: quitting ? `Quit and close your room?` : `Stop hosting your room?`,
    detail: `${people} still in it. They will see that the host left.`,
    confirm: quitting ? 'Quit' : 'Stop hosting',
    cancel: quitting ? 'Keep running' : 'Keep hosting',
  }
}
