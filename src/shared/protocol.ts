// beacon.v1 wire protocol (../shared/PROTOCOL.md): every frame as a zod schema, limits and close codes.
import { z } from 'zod'
import { ERROR_CODES } from './errors.ts'
import { LIMITS } from './limits.ts'
import { cleanFileName, cleanMessageText, normalizeName, utf8Length } from './text.ts'

export const PROTOCOL_VERSION = 1
export const SUBPROTOCOL = 'beacon.v1'
export const WS_PATH = '/ws'
export const SERVICE_TYPE = 'beacon-chat'

export { CLOSE, LIMITS } from './limits.ts'

/** A display name: normalised (src/shared/text.ts), then 1–32 characters; the raw input is bounded first. */
export const Name = z
  .string()
  .max(LIMITS.maxNameChars * 8)
  .transform(normalizeName)
  .pipe(z.string().min(1, 'a name needs a visible character').max(LIMITS.maxNameChars))
export const ClientId = z.string().min(1).max(LIMITS.maxClientIdChars)
export const MessageId = z.string().min(1).max(LIMITS.maxMessageIdChars)
export const MessageText = z
  .string()
  .min(1)
  .max(LIMITS.maxTextChars)
  .refine((t) => utf8Length(t) <= LIMITS.maxTextBytes, `text is larger than ${LIMITS.maxTextBytes} bytes`)
  .transform(cleanMessageText)
  .pipe(z.string().min(1, 'text has no visible content'))
const Seq = z.number().int().nonnegative()
/** A member id as Room.memberId makes it: 12 base64url characters. */
export const MemberIdString = z.string().regex(/^[A-Za-z0-9_-]{12}$/, 'a member id is 12 base64url characters')
/** Members a message mentions: at most LIMITS.maxMentions ids, deduped (first mention first). */
export const Mentions = z
  .array(MemberIdString)
  .max(LIMITS.maxMentions)
  .transform((ids) => [...new Set(ids)])

/** A SHA-256 as 64 lowercase hex digits: a stored file's content address. */
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 is 64 lowercase hex digits')
export const FileName = z
  .string()
  .max(LIMITS.maxFileNameChars * 4)
  .transform(cleanFileName)
  .pipe(z.string().min(1, 'a file name needs a visible character').max(LIMITS.maxFileNameChars))
/** A media type as declared by the sender (`type/subtype`, no parameters), lower-cased. The host never sniffs content. */
export const Mime = z
  .string()
  .max(LIMITS.maxMimeChars)
  .regex(/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i, 'a media type is type/subtype')
  .transform((m) => m.toLowerCase())
/** The sender's thumbnail: a raster data: URL only (never SVG, which can carry script). */
export const Thumb = z
  .string()
  .max(LIMITS.maxThumbChars)
  .regex(/^data:image\/(?:jpeg|png|webp);base64,[A-Za-z0-9+/]+={0,2}$/, 'a thumbnail is a JPEG, PNG or WebP data: URL')
const Pixels = z.number().int().min(1).max(65_535)
/**
 * A stored file as a message carries it (docs/PROTOCOL-FILES.md). `fileId` names it on the host's file routes;
 * it is the content address (= `sha256`) today, kept apart so an encrypted room can later address ciphertext.
 */
export const FileRef = z.object({
  fileId: Sha256,
  name: FileName,
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  mime: Mime,
  sha256: Sha256,
  width: Pixels.optional(),
  height: Pixels.optional(),
  thumb: Thumb.optional(),
})
export type FileRef = z.infer<typeof FileRef>

export const Member = z.object({ id: z.string(), name: z.string() })
export type Member = z.infer<typeof Member>

export const ChatMessage = z.object({
  type: z.literal('message'),
  seq: Seq,
  id: z.string(),
  from: Member,
  /** The message's text, or a file's caption ('' when it has none). */
  text: z.string(),
  ts: z.number(),
  file: FileRef.optional(),
  /** A direct message: only the sender and this member get it. */
  to: z.string().optional(),
  /** Member ids the message mentions; present only when there is one. */
  mentions: z.array(z.string()).optional(),
})
export type ChatMessage = z.infer<typeof ChatMessage>

// Client → host
export const Hello = z.object({
  type: z.literal('hello'),
  protocol: z.number().int(),
  name: Name,
  client: ClientId,
  resume: z.object({ epoch: z.string().max(64), after: Seq }).optional(),
  /** Ask the host for `ping` frames every LIMITS.heartbeatMs, so this client can notice a dead link. */
  heartbeat: z.boolean().optional(),
})
export const Auth = z.object({ type: z.literal('auth'), proof: z.string().max(256) })
/**
 * A text message, or a file already uploaded (docs/PROTOCOL-FILES.md) with an optional caption as its text;
 * `to` makes it a direct message to that member, `mentions` names the members it mentions.
 */
export const Send = z
  .object({
    type: z.literal('send'),
    id: MessageId,
    text: MessageText.optional(),
    file: FileRef.optional(),
    to: MemberIdString.optional(),
    mentions: Mentions.optional(),
  })
  .refine((s) => s.text !== undefined || s.file !== undefined, { message: 'a message needs text or a file', path: ['text'] })
export const TypingIn = z.object({ type: z.literal('typing') })
/** Scrollback: up to `limit` (≤ LIMITS.historyPage) messages with seq < `before`, answered by a `history` frame. */
export const HistoryRequest = z.object({
  type: z.literal('history'),
  before: Seq,
  limit: z.number().int().min(1).max(LIMITS.historyPage).optional(),
})
/** The answer to a host `ping`; any frame counts as a sign of life, this one when there is nothing else. */
export const Pong = z.object({ type: z.literal('pong') })
export const ClientFrame = z.discriminatedUnion('type', [Hello, Auth, Send, TypingIn, HistoryRequest, Pong])
export type Hello = z.infer<typeof Hello>
export type Auth = z.infer<typeof Auth>
export type Send = z.infer<typeof Send>
export type HistoryRequest = z.infer<typeof HistoryRequest>
export type ClientFrame = z.infer<typeof ClientFrame>

// Host → client
export const Challenge = z.object({
  type: z.literal('challenge'),
  nonce: z.string(),
  salt: z.string(),
  iterations: z.number().int().min(LIMITS.minPbkdf2Iterations).max(LIMITS.maxPbkdf2Iterations),
})
/**
 * A room's id and name as hosts report them (welcome, `GET /api/room`), bounded as in the TXT record: the app keys
 * rooms, settings and file paths by the id, so a host cannot make one that the app cannot name back.
 */
export const RoomIdText = z.string().min(1).max(LIMITS.maxRoomIdChars)
export const RoomNameText = z.string().max(LIMITS.maxRoomNameChars)
export const RoomRef = z.object({ id: RoomIdText, name: RoomNameText, epoch: z.string().max(200) })
export const Welcome = z.object({
  type: z.literal('welcome'),
  protocol: z.number().int(),
  room: RoomRef,
  you: Member,
  members: z.array(Member),
  seq: Seq,
  history: z.array(ChatMessage),
  resumed: z.boolean(),
  /** The file routes' member token and this host's size limit (docs/PROTOCOL-FILES.md); absent on a host without files. */
  files: z.object({ token: z.string().max(256), maxFileBytes: z.number().int().nonnegative() }).optional(),
})
export const Ack = z.object({ type: z.literal('ack'), id: z.string(), seq: Seq })
export const Joined = z.object({ type: z.literal('joined'), member: Member })
export const Left = z.object({ type: z.literal('left'), member: Member })
export const TypingOut = z.object({ type: z.literal('typing'), member: Member })
export const ErrorFrame = z.object({
  type: z.literal('error'),
  code: z.enum(ERROR_CODES),
  message: z.string(),
  id: z.string().optional(),
})
export const Closing = z.object({ type: z.literal('closing'), reason: z.string() })
/**
 * A page of scrollback: `messages` (ascending) are the latest ones with seq < `before`; `start` is true when
 * nothing older is kept ("Beginning of the room").
 */
export const HistoryPage = z.object({ type: z.literal('history'), before: Seq, messages: z.array(ChatMessage), start: z.boolean() })
/** Heartbeat to members that asked for one (hello `heartbeat: true`). */
export const Ping = z.object({ type: z.literal('ping') })
export const HostFrame = z.discriminatedUnion('type', [
  Challenge,
  Welcome,
  ChatMessage,
  Ack,
  Joined,
  Left,
  TypingOut,
  ErrorFrame,
  Closing,
  HistoryPage,
  Ping,
])
export type Challenge = z.infer<typeof Challenge>
export type Welcome = z.infer<typeof Welcome>
export type Ack = z.infer<typeof Ack>
export type ErrorFrame = z.infer<typeof ErrorFrame>
export type HistoryPage = z.infer<typeof HistoryPage>
export type HostFrame = z.infer<typeof HostFrame>

/** `GET /api/room`. */
export const RoomSummary = z.object({
  protocol: z.number().int(),
  id: RoomIdText,
  name: RoomNameText,
  host: z.string().max(200),
  epoch: z.string().max(200),
  seq: Seq,
  members: z.number().int().nonnegative(),
  passwordRequired: z.boolean(),
})
export type RoomSummary = z.infer<typeof RoomSummary>

export type ParseResult = { ok: true; frame: ClientFrame } | { ok: false; code: 'bad_frame' | 'too_large'; message: string; id?: string }

/** Parse one inbound text frame; never throws. A refused `send` is named by its id where it has one. */
export function parseClientFrame(text: string): ParseResult {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return { ok: false, code: 'bad_frame', message: 'frame is not JSON' }
  }
  const r = ClientFrame.safeParse(raw)
  if (r.success) return { ok: true, frame: r.data }
  const issue = r.error.issues[0]!
  const id = MessageId.safeParse((raw as { id?: unknown } | null)?.id)
  const tooLong = issue.path[0] === 'text' && (issue.code === 'too_big' || (issue.code === 'custom' && issue.message.includes('bytes')))
  return {
    ok: false,
    code: tooLong ? 'too_large' : 'bad_frame',
    message: tooLong
      ? `text is longer than ${LIMITS.maxTextChars} characters or ${LIMITS.maxTextBytes} bytes`
      : `${issue.path.join('.') || 'frame'}: ${issue.message}`,
    ...(id.success ? { id: id.data } : {}),
  }
}
