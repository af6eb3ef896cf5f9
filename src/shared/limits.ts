// Limits and close codes: one place, used by host, client and UI alike (no zod here, so the UI can
// import them without the schemas).
export const LIMITS = {
  /** Largest inbound WebSocket frame; a larger one closes with 1009. */
  maxFrameBytes: 64 * 1024,
  maxTextChars: 4000,
  /** The same text's UTF-8 size: 4,000 characters of 4-byte script fit, padding tricks do not. */
  maxTextBytes: 16 * 1024,
  maxNameChars: 32,
  maxClientIdChars: 64,
  maxMessageIdChars: 64,
  /** A room's id, as its TXT record carries it; the app keys settings, read positions and file paths by it. */
  maxRoomIdChars: 64,
  /** A room's name (TXT record, welcome, /api/room). */
  maxRoomNameChars: 200,
  /** Member ids one message may mention. */
  maxMentions: 32,
  /** Token bucket per member: sustained rate and burst. */
  sendRatePerSecond: 10,
  sendBurst: 20,
  /** Typing is relayed at most once per member per interval. */
  typingIntervalMs: 1000,
  /** Bad frames or refused sends within abuseWindowMs before the member is closed with 1008. */
  abuseLimit: 100,
  abuseWindowMs: 60_000,
  /** Messages in a fresh welcome (at most welcomeHistoryBytes of them). */
  welcomeHistory: 100,
  /**
   * Bytes of history in one welcome. A resume that missed more gets the rest as `message` frames, page by
   * page as the member's socket drains, so a welcome never costs the host more than this per member.
   */
  welcomeHistoryBytes: 256 * 1024,
  /** Messages per page of a replay and of a `history` request (scrollback). */
  historyPage: 100,
  /**
   * Messages a member holds (RoomSession and the UI): as many as the host keeps at least (retention), so a busy
   * room's history is bounded in the app too; scrolling back past it lets the newest go (they load again).
   */
  messageWindow: 10_000,
  /** A host `ping` to members that asked for a heartbeat (hello `heartbeat: true`), this often. */
  heartbeatMs: 5_000,
  /** Nothing heard from the other end this long: the link is dead (both the host and RoomClient). */
  heartbeatTimeoutMs: 15_000,
  /** An RSocket SETUP's keepalive lifetime is capped at this: a silent connection is dropped by then at the latest. */
  rsocketMaxLifetimeMs: 120_000,
  /** A connection that has not said hello this long after opening is closed (1008). */
  helloTimeoutMs: 10_000,
  /**
   * Connections (WebSocket, STOMP, HTTP members, open streams and polls) from one address, and in all; one more
   * is refused (HTTP 503 / close 1013 `busy`). The total is also kept under the process's file-descriptor limit.
   */
  maxConnectionsPerAddress: 64,
  maxConnections: 4096,
  /** Messages the room keeps on disk at least. */
  retention: 10_000,
  /** A member's unsent bytes beyond this close it with 1013 (it resumes from history). */
  sendHighWaterBytes: 4 * 1024 * 1024,
  /** Password rooms. */
  minPbkdf2Iterations: 100_000,
  /** A challenge asking for more is refused by clients: a hostile host could otherwise make one spin for minutes. */
  maxPbkdf2Iterations: 5_000_000,
  /**
   * Largest frame a client accepts from a host (the desktop app's and CLI's connections): a welcome's history is
   * at most welcomeHistoryBytes and a scrollback page 100 messages, so this leaves room, while a hostile host
   * cannot make the app buffer ws's default 100 MiB.
   */
  maxHostFrameBytes: 16 * 1024 * 1024,
  pbkdf2Iterations: 210_000,
  wrongProofsPerMinute: 5,
  lockoutMs: 60_000,
  /** A challenge not answered this long after it was sent is void: the connection is closed (`hello_timeout`). */
  challengeTtlMs: 30_000,
  /** Challenges outstanding at once from one address; a hello beyond them is refused `busy`. */
  challengesPerAddress: 16,
  /** Scrollback requests (disk reads) per member: token bucket rate and burst. */
  historyRatePerSecond: 5,
  historyBurst: 10,
  /** Files (docs/PROTOCOL-FILES.md). A file's size on a host that sets nothing else (`--max-file-size`). */
  maxFileBytes: 2 * 1024 ** 3,
  /** All files a room stores plus the uploads under way (`--max-room-bytes`); beyond it uploads are refused `quota_full`. */
  maxRoomFileBytes: 10 * 1024 ** 3,
  /** A file name as shown and stored (UTF-16 units after cleaning; saving trims it further to the disk's rules). */
  maxFileNameChars: 255,
  maxMimeChars: 127,
  /** A thumbnail travels in the message as a data: URL of at most this many characters (the sender shrinks it to fit). */
  maxThumbChars: 24 * 1024,
  /** Longest side of a thumbnail, in pixels. */
  thumbPixels: 400,
  /** Uploads (PATCH bodies) and downloads one member runs at once; one more gets 429 `busy`. */
  uploadsPerMember: 4,
  downloadsPerMember: 8,
  /** Unfinished uploads one member may hold (each reserves its size in the room's quota). */
  openUploadsPerMember: 16,
  /** Bytes per second one member moves up and down, each (`--transfer-rate`; above gigabit Ethernet, so it throttles a hog, not a LAN). */
  transferBytesPerSecond: 128 * 1024 * 1024,
  /** An upload request that delivers no byte for this long is cut; an unfinished upload untouched this long is deleted. */
  uploadStallMs: 30_000,
  uploadExpiryMs: 24 * 60 * 60 * 1000,
  /** A file uploaded but never sent in a message is deleted after this long. */
  unsentFileMs: 24 * 60 * 60 * 1000,
  /** A member's file token still works this long after its last connection closed (a download finishing, an upload resuming). */
  fileTokenGraceMs: 5 * 60 * 1000,
  /** Finished downloads the desktop app keeps listing (the oldest are forgotten; their files stay on disk). */
  downloadsListed: 100,
  /** Messages the desktop app keeps per room in its own history (userData/history.db); the oldest go first. */
  localHistoryPerRoom: 50_000,
  /** Rooms the desktop app is in at once (each holds a connection and up to messageWindow messages). */
  maxJoinedRooms: 32,
  /** How often at most the joined rooms' unread and mention counts are sent to the window (a busy room changes them per message). */
  joinedCountsMs: 150,
  /** Rooms one setNotifications call may set (the settings dialog and the room menu set one or a few). */
  notificationRoomsPerPatch: 64,
  /** Rooms whose read position is remembered (settings.json, the browser's localStorage); the least recently read go first. */
  readPositionsKept: 1000,
} as const

export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  policy: 1008,
  tooLarge: 1009,
  tryAgain: 1013,
  internal: 1011,
  wrongPassword: 4001,
  unsupportedProtocol: 4002,
  /** Too many wrong passwords from this address (distinct from 1008, closed for abuse). */
  lockedOut: 4003,
} as const
