// What a message's file needs from the room around it, without threading props through the virtualized list:
// the file routes (for links and images), whether the app saves files itself (desktop) or the browser does,
// the app's downloads, the lightbox, and the uploads under way (Cancel, Try again).
import { createContext } from 'react'
import type { DownloadState, FileAccess } from '../../shared/bridge.ts'
import type { FileRef } from '../../shared/protocol.ts'
import type { FileSender } from '../files/send-files.ts'

export interface FilesContextValue {
  access: FileAccess | undefined
  saveFiles: boolean
  downloads: readonly DownloadState[]
  openImage: (file: FileRef) => void
  sender: FileSender | undefined
}

export const FilesContext = createContext<FilesContextValue>({
  access: undefined,
  saveFiles: false,
  downloads: [],
  openImage: () => {},
  sender: undefined,
})
