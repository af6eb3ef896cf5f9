// Limits and close codes: one place, used by host, client and UI alike (no zod here, so the UI can
// import them without the schemas).
export const LIMITS = {
  /** Largest inbound WebSocket frame; a larger one closes with 1009. */
  maxFrameBytes: 64 * 1024,
  maxTextChars: 4000,
  maxNameChars: 32,
  maxClientIdChars: 64,
  maxMessageIdChars: 64,
  /** Token bucket per member: sustained rate and burst. */
  sendRatePerSecond: 10,
  sendBurst: 20,
  /** Typing is relayed at most once per member per interval. */
  typingIntervalMs: 1000,
  /** Bad frames or refused sends within abuseWindowMs before the member is closed with 1008. */
  abuseLimit: 100,
  abuseWindowMs: 60_000,
  /** Messages in a fresh welcome; all missed messages in a resumed one. */
  welcomeHistory: 100,
  /** Messages the room keeps on disk at least. */
  retention: 10_000,
  /** A member's unsent bytes beyond this close it with 1013 (it resumes from history). */
  sendHighWaterBytes: 4 * 1024 * 1024,
  /** Password rooms. */
  minPbkdf2Iterations: 100_000,
  pbkdf2Iterations: 210_000,
  wrongProofsPerMinute: 5,
  lockoutMs: 60_000,
} as const

export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  policy: 1008,
  tooLarge: 1009,
  tryAgain: 1013,
  wrongPassword: 4001,
  unsupportedProtocol: 4002,
} as const
