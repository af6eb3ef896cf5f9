// How many connections the host holds, per address and in all, across every transport (WebSocket, STOMP,
// HTTP members, open streams and polls): one more than the budget is refused before it costs anything,
// so idle sockets cannot exhaust file descriptors or memory.
import { readFileSync } from 'node:fs'
import { LIMITS } from '../../shared/limits.ts'

export interface BudgetLimits {
  perAddress: number
  total: number
}

export class ConnectionBudget {
  readonly limits: BudgetLimits
  #byAddress = new Map<string, number>()
  #total = 0

  constructor(limits: Partial<BudgetLimits> = {}) {
    this.limits = { perAddress: LIMITS.maxConnectionsPerAddress, total: LIMITS.maxConnections, ...limits }
  }

  get total(): number {
    return this.#total
  }

  /** Whether one more connection from `address` would be within the budget (nothing is counted). */
  has(address: string): boolean {
    return (this.#byAddress.get(address) ?? 0) < this.limits.perAddress && this.#total < this.limits.total
  }

  /** Count one more connection from `address`; false (and nothing counted) when over the budget. */
  take(address: string): boolean {
    if (!this.has(address)) return false
    this.#byAddress.set(address, (this.#byAddress.get(address) ?? 0) + 1)
    this.#total++
    return true
  }

  /** Give back what `take` counted; call exactly once per successful take. */
  release(address: string): void {
    const n = this.#byAddress.get(address)
    if (n === undefined) return
    if (n <= 1) this.#byAddress.delete(address)
    else this.#byAddress.set(address, n - 1)
    this.#total--
  }
}

/** File descriptors kept free of connections: the room log, static files, logs, DNS, child processes. */
export const FD_RESERVE = 128

/**
 * The most connections this process can hold: its soft open-file limit (Linux: /proc/self/limits) less
 * FD_RESERVE, since every connection is a descriptor. Undefined where the limit cannot be read.
 */
export function descriptorCap(limitsFile = '/proc/self/limits'): number | undefined {
  let text: string
  try {
    text = readFileSync(limitsFile, 'utf8')
  } catch {
    return undefined
  }
  const soft = /^Max open files\s+(\d+|unlimited)/m.exec(text)?.[1]
  if (soft === undefined || soft === 'unlimited') return undefined
  return Math.max(1, Number(soft) - FD_RESERVE)
}
