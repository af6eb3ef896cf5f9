// The window's one FileSender: uploads outlive a switch to another room (each goes on to the room and host it
// started with, and is sent there), and stop only when their room is left.
import { useEffect, useMemo } from 'react'
import { FileSender } from '../files/send-files.ts'
import type { AppState } from '../state/app.ts'
import { useBridge, useDispatch } from '../state/use-app.ts'

export function useFileSender(state: AppState): FileSender {
  const beacon = useBridge()
  const dispatch = useDispatch()
  const sender = useMemo(
    () => new FileSender({ dispatch, sendFile: (file, caption, roomId) => beacon.sendFile(file, caption, roomId) }),
    [beacon, dispatch],
  )
  const roomId = state.session.room?.id
  const access = state.session.files
  // The token may change with a reconnect: uploads under way use the latest their room had.
  useEffect(() => {
    if (roomId !== undefined) sender.setAccess(roomId, access)
  }, [sender, roomId, access])
  // The rooms the app is in (the browser client: the one it shows); the uploads of any other stop.
  const rooms = [...state.joined.map((r) => r.id), ...(roomId !== undefined ? [roomId] : [])].join('\n')
  useEffect(() => sender.keepOnly(new Set(rooms === '' ? [] : rooms.split('\n'))), [sender, rooms])
  useEffect(() => () => sender.keepOnly(new Set()), [sender])
  return sender
}
