// Files on their way into the room, as the message list shows them after the pending messages: hashed, then
// uploaded (with progress), then sent as a message (from then on an outbox entry). Renderer-only and pure; the
// work itself is in ../files/send-files.ts.

export type UploadPhase = 'queued' | 'hashing' | 'uploading' | 'sending'

export interface UploadItem {
  /** Local id (never sent anywhere). */
  id: string
  /** The room it goes to: the one shown when it started (only that room's list shows it). */
  roomId: string
  name: string
  size: number
  mime: string
  phase: UploadPhase
  /** 0..1 of the current phase. */
  progress: number
  /** Why it stopped, in words for the user; the item stays until dismissed. */
  error?: string
  /** Trying again cannot help (the room is full, the file too large): only Dismiss is offered. */
  final?: boolean
}

export type UploadsAction =
  | { type: 'uploadAdd'; item: UploadItem }
  | { type: 'uploadUpdate'; id: string; patch: Partial<Pick<UploadItem, 'phase' | 'progress' | 'error' | 'final'>> }
  | { type: 'uploadRemove'; id: string }

export function applyUpload(list: readonly UploadItem[], action: UploadsAction): readonly UploadItem[] {
  switch (action.type) {
    case 'uploadAdd':
      return list.some((u) => u.id === action.item.id) ? list : [...list, action.item]
    case 'uploadUpdate': {
      const i = list.findIndex((u) => u.id === action.id)
      if (i < 0) return list
      const next = [...list]
      next[i] = { ...list[i]!, ...action.patch }
      return next
    }
    case 'uploadRemove':
      return list.filter((u) => u.id !== action.id)
  }
}

/** What an upload is doing, in a few words. */
export function uploadStatus(u: UploadItem): string {
  if (u.error) return u.error
  switch (u.phase) {
    case 'queued':
      return 'Waiting…'
    case 'hashing':
      // Hashing a large file takes a while (about a second per few hundred MB): say how far it is.
      return u.progress > 0 && u.progress < 1 ? `Preparing… ${Math.floor(u.progress * 100)}%` : 'Preparing…'
    case 'uploading':
      return `Uploading… ${Math.floor(u.progress * 100)}%`
    case 'sending':
      return 'Sending…'
  }
}
