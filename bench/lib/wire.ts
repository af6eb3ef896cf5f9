// What the orchestrator, the server processes and the load workers say to each other over IPC, and the
// shape of a benchmark message, which is the same for every server.
import type { HistogramData } from './histogram.ts'

export const SERVER_KINDS = ['beacon', 'rsocket', 'socketio', 'ws-naive', 'ws-coalesce'] as const
/**
 * Not run by default: another checkout of the host (BEACON_BEFORE=/path/to/checkout), to measure a change
 * to the host side by side with its previous version in one run (`--servers beacon-before,beacon,...`).
 */
export const EXTRA_KINDS = ['beacon-before'] as const
export type ServerKind = (typeof SERVER_KINDS)[number] | (typeof EXTRA_KINDS)[number]
export const isBeacon = (k: ServerKind): boolean => k === 'beacon' || k === 'beacon-before'

export const SERVER_LABELS: Record<ServerKind, string> = {
  beacon: 'Beacon host',
  rsocket: 'Beacon host, RSocket members',
  'beacon-before': 'Beacon host (before)',
  socketio: 'Socket.IO 4',
  'ws-naive': 'ws, send per socket',
  'ws-coalesce': 'ws, frame once + coalesce',
}

/** Orchestrator → server process. */
export type ServerCommand = { cmd: 'usage'; gc?: 'full' | 'release' } | { cmd: 'seed'; count: number } | { cmd: 'stop' }
/** Server process → orchestrator. */
export type ServerReply =
  | { ev: 'listening'; port: number; path: string; at: number }
  | { ev: 'usage'; cpuUs: number; sysUs: number; sockets: number; rss: number; heapUsed: number; heapTotal: number; external: number }
  | { ev: 'seeded'; seq: number }
  | { ev: 'error'; message: string }

export interface WorkerInit {
  kind: ServerKind
  port: number
  path: string
  /** Connections this worker holds; the first `senders` of them send. */
  conns: number
  senders: number
  /** Global index of this worker's first sender (senders are numbered across workers). */
  senderBase: number
  /** Total senders in the scenario: receivers keep a per-sender counter to find gaps and duplicates. */
  totalSenders: number
  /** Messages per second per sender. */
  perSenderRate: number
  /** Unique prefix for client ids. */
  tag: string
  /** Idle mode: connect and hold, nothing else. */
  idle?: boolean
}

/** Orchestrator → worker. */
export type WorkerCommand =
  | { cmd: 'init'; init: WorkerInit }
  | { cmd: 'send'; measure: boolean }
  | { cmd: 'phase'; measure: boolean }
  | { cmd: 'stopSending' }
  | { cmd: 'stats' }
  | { cmd: 'report' }
  | { cmd: 'close' }

export interface WorkerStats {
  /** Deliveries received by this worker's connections (message frames of benchmark messages). */
  received: number
  /** Messages this worker's senders sent (each is to be delivered to every connection). */
  sent: number
  sentMeasured: number
  cpuUs: number
}

export interface WorkerReport extends WorkerStats {
  latency: HistogramData
  gaps: number
  duplicates: number
  refused: number
  /** Beacon only: connections the host closed as too slow (1013) and that resumed. */
  resumed: number
  closedUnexpectedly: number
  lateSchedule: number
}

/** Worker → orchestrator. */
export type WorkerReply =
  | { ev: 'ready'; connectMs: number }
  | { ev: 'stats'; stats: WorkerStats }
  | { ev: 'report'; report: WorkerReport }
  | { ev: 'error'; message: string }

/** The text of a benchmark message: sender, per-sender counter, send time, whether it counts. */
export const TEXT_LENGTH = 100
export function makeText(sender: number, k: number, at: number, measured: boolean): string {
  const head = `b|${sender}|${k}|${at.toFixed(3)}|${measured ? 1 : 0}|`
  return head + 'x'.repeat(Math.max(0, TEXT_LENGTH - head.length))
}

/** Wall-clock time in ms with sub-ms precision, comparable across processes on one machine. */
export const now = (): number => performance.timeOrigin + performance.now()
