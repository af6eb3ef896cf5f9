// How a room's address is written and which port it is at when none is given: one rule for the app, the
// CLI, discovery and join-by-address.

/** The port `beacon host` and the app try first; join-by-address assumes it when none is typed. */
export const DEFAULT_ROOM_PORT = 4646

/** `host:port`, with brackets around an IPv6 host: what "Join by address…" accepts back. */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
