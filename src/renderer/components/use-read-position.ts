// The reader's place in a room: the read position advances to the last message actually in view while the
// window has the user's attention (visible and focused), is written to the app at most once a second (and when
// the room or the page goes), and sets where the "New messages" divider stands: the read position on coming
// into the room, and again on coming back to the window when others wrote meanwhile.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { ChatMessage } from '../../shared/protocol.ts'
import { anchorOnReturn, dividerOf, readAfterSeeing, seqOfKey, type Divider } from '../state/read-position.ts'
import { useBridge, useDispatch } from '../state/use-app.ts'

/** Writes of the read position are held back this long, so scrolling through a room is one write, not hundreds. */
const WRITE_DELAY_MS = 1000

export interface ReadPosition {
  divider: Divider
  /** The message list's visible items, last first: the first that is a message held is the one read up to. */
  onSeen: (keys: readonly string[]) => void
}

export function useReadPosition(p: {
  roomId: string | undefined
  messages: readonly ChatMessage[]
  youId: string | undefined
  readUpTo: number | undefined
  /** The room's beginning is held (no older page can hold unread messages). */
  start: boolean
}): ReadPosition {
  const { roomId, messages, youId, readUpTo, start } = p
  const dispatch = useDispatch()
  const write = useDebouncedMarkRead()
  const looking = useLooking()

  // Where the divider stands, per room: the read position when the reader came into it.
  const [anchor, setAnchor] = useState<{ roomId: string | undefined; seq: number | undefined }>({ roomId, seq: readUpTo })
  if (anchor.roomId !== roomId) setAnchor({ roomId, seq: readUpTo })

  const latest = useRef({ roomId, messages, youId, readUpTo, looking })
  useEffect(() => {
    latest.current = { roomId, messages, youId, readUpTo, looking }
  })
  const lastSeen = useRef<readonly string[]>([])

  const see = useCallback(
    (keys: readonly string[]) => {
      const { roomId, messages, readUpTo, looking } = latest.current
      if (!looking || roomId === undefined) return
      let seq: number | undefined
      for (const key of keys) if ((seq = seqOfKey(messages, key)) !== undefined) break
      const next = readAfterSeeing(readUpTo, seq)
      if (next === undefined || next === readUpTo) return
      latest.current.readUpTo = next // several reports before the next render raise it once
      dispatch({ type: 'read', key: roomId, seq: next })
      write(roomId, next)
    },
    [dispatch, write],
  )
  const onSeen = useCallback(
    (keys: readonly string[]) => {
      lastSeen.current = keys
      see(keys)
    },
    [see],
  )

  // Back to the window: the messages others wrote meanwhile are the new ones, then what is in view is read.
  useEffect(() => {
    if (!looking) return
    const { roomId, messages, youId, readUpTo } = latest.current
    setAnchor((a) => (a.roomId === roomId ? { roomId, seq: anchorOnReturn(a.seq, readUpTo, messages, youId) } : a))
    see(lastSeen.current)
  }, [looking, see])

  const divider = useMemo(() => dividerOf(messages, anchor.seq, youId, start), [messages, anchor.seq, youId, start])
  return { divider, onSeen }
}

/** Whether the window has the user's attention: the page visible and focused. */
function useLooking(): boolean {
  const now = () => document.visibilityState === 'visible' && document.hasFocus()
  const [looking, setLooking] = useState(now)
  useEffect(() => {
    const follow = () => setLooking(now())
    document.addEventListener('visibilitychange', follow)
    window.addEventListener('focus', follow)
    window.addEventListener('blur', follow)
    return () => {
      document.removeEventListener('visibilitychange', follow)
      window.removeEventListener('focus', follow)
      window.removeEventListener('blur', follow)
    }
  }, [])
  return looking
}

/** `markRead` for the latest position only, WRITE_DELAY_MS after it last changed; flushed when the page or the chat goes. */
function useDebouncedMarkRead(): (roomId: string, seq: number) => void {
  const beacon = useBridge()
  const pending = useRef<{ roomId: string; seq: number }>(undefined)
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined)
  const flush = useCallback(() => {
    clearTimeout(timer.current)
    const p = pending.current
    pending.current = undefined
    if (p) void beacon.markRead(p.roomId, p.seq)
  }, [beacon])
  useEffect(() => {
    window.addEventListener('pagehide', flush)
    return () => {
      window.removeEventListener('pagehide', flush)
      flush()
    }
  }, [flush])
  return useCallback(
    (roomId: string, seq: number) => {
      // Another room's position is not overtaken by this one's: it goes now.
      if (pending.current && pending.current.roomId !== roomId) flush()
      pending.current = { roomId, seq }
      clearTimeout(timer.current)
      timer.current = setTimeout(flush, WRITE_DELAY_MS)
    },
    [flush],
  )
}
