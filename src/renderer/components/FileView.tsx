// A message's file: an image shows its thumbnail at once (its box sized from the original's width and height,
// so the list does not jump), then the full image when it scrolls into view, and opens in the lightbox; a
// video plays in place (nothing is fetched until asked); anything else is a card with its name, size and
// Download. Names are text nodes only. The desktop app saves files itself (progress, Show in folder, Open);
// the browser client links to the file and lets the browser save it.
import { memo, use, useState } from 'react'
import type { DownloadState, FileAccess } from '../../shared/bridge.ts'
import { fileUrl, isInlineImage, isInlineVideo } from '../../shared/files.ts'
import type { FileRef } from '../../shared/protocol.ts'
import { errorText } from '../state/connection.ts'
import { formatBytes } from '../state/format.ts'
import { useBridge } from '../state/use-app.ts'
import { FilesContext } from './files-context.ts'
import { Icon } from './Icon.tsx'
import { ProgressBar } from './ProgressBar.tsx'

/** The largest box an image or video takes in the list; the lightbox shows it whole. */
const MAX_BOX = { width: 360, height: 320 }

export const FileView = memo(function FileView({ file }: { file: FileRef }) {
  if (isInlineImage(file.mime)) return <ImageFile file={file} />
  if (isInlineVideo(file.mime)) return <VideoFile file={file} />
  return <FileCard file={file} />
})

/** The image's shown size: the original's, scaled down into MAX_BOX (undefined when the sender did not say). */
function boxOf(file: FileRef): { width: number; height: number } | undefined {
  if (!file.width || !file.height) return undefined
  const scale = Math.min(1, MAX_BOX.width / file.width, MAX_BOX.height / file.height)
  return { width: Math.max(1, Math.round(file.width * scale)), height: Math.max(1, Math.round(file.height * scale)) }
}

export const inlineUrl = (access: FileAccess, file: FileRef): string =>
  fileUrl(access.base, file.fileId, access.token, { inline: true, type: file.mime })
const downloadUrl = (access: FileAccess, file: FileRef): string => fileUrl(access.base, file.fileId, access.token, { name: file.name })

function ImageFile({ file }: { file: FileRef }) {
  const { access, openImage } = use(FilesContext)
  const [loaded, setLoaded] = useState(false)
  // Declared an image but not one the browser can show: offer it as a file instead of a broken picture.
  const [broken, setBroken] = useState(false)
  const box = boxOf(file)
  if (broken) return <FileCard file={file} />
  return (
    <div className="file-media">
      <button
        type="button"
        className={loaded ? 'file-image loaded' : 'file-image'}
        aria-label={`Open image ${file.name}`}
        onClick={() => openImage(file)}
      >
        {file.thumb ? <img className="file-thumb" src={file.thumb} alt="" width={box?.width} height={box?.height} /> : null}
        {access ? (
          <img
            className={file.thumb ? 'file-full over' : 'file-full'}
            src={inlineUrl(access, file)}
            alt=""
            width={box?.width}
            height={box?.height}
            loading="lazy"
            decoding="async"
            onLoad={() => setLoaded(true)}
            onError={() => setBroken(true)}
          />
        ) : null}
      </button>
      <FileLine file={file} />
    </div>
  )
}

function VideoFile({ file }: { file: FileRef }) {
  const { access } = use(FilesContext)
  const box = boxOf(file)
  return (
    <div className="file-media">
      {access ? (
        <video
          className="file-video"
          controls
          preload="none"
          src={inlineUrl(access, file)}
          aria-label={`Video ${file.name}`}
          width={box?.width}
          height={box?.height}
          poster={file.thumb}
        />
      ) : null}
      <FileLine file={file} />
    </div>
  )
}

/** Under an image or video: its name, size and how to save it. */
function FileLine({ file }: { file: FileRef }) {
  return (
    <div className="file-line">
      <span className="file-name" title={file.name}>
        {file.name}
      </span>
      <span className="file-size">{formatBytes(file.size)}</span>
      <Download file={file} compact />
    </div>
  )
}

function FileCard({ file }: { file: FileRef }) {
  return (
    <div className="file-card">
      <FileTypeIcon name={file.name} />
      <div className="file-info">
        <span className="file-name" title={file.name}>
          {file.name}
        </span>
        <span className="file-size">{formatBytes(file.size)}</span>
      </div>
      <Download file={file} />
    </div>
  )
}

/** A file icon with its extension ("PDF", "ZIP"), decorative: the name beside it says the same. */
export function FileTypeIcon({ name }: { name: string }) {
  const ext = /\.([a-z0-9]{1,5})$/i.exec(name)?.[1]?.toUpperCase()
  return (
    <span className="file-icon" aria-hidden="true">
      <Icon name="file" size={30} />
      {ext ? <span className="file-ext">{ext}</span> : null}
    </span>
  )
}

/** Save the file: a link the browser follows, or the desktop app's download with its progress. */
export function Download({ file, compact }: { file: FileRef; compact?: boolean }) {
  const { access, saveFiles } = use(FilesContext)
  if (saveFiles) return <AppDownload file={file} compact={compact} />
  if (!access) return null
  return (
    <a className={compact ? 'file-action link-button' : 'button small'} href={downloadUrl(access, file)} download={file.name}>
      <Icon name="download" size={14} />
      <span>Download</span>
      <span className="sr-only"> {file.name}</span>
    </a>
  )
}

function AppDownload({ file, compact }: { file: FileRef; compact?: boolean }) {
  const beacon = useBridge()
  const { downloads } = use(FilesContext)
  const [error, setError] = useState<string>()
  const d: DownloadState | undefined = downloads.findLast((x) => x.fileId === file.fileId)
  const cls = compact ? 'file-action link-button' : 'button small'
  const start = async () => {
    setError(undefined)
    const r = await beacon.downloadFile(file)
    if (!r.ok) setError(errorText(r.error.code, r.error.message))
  }
  const label = <span className="sr-only"> {file.name}</span>
  if (d?.status === 'downloading')
    return (
      <span className="file-download">
        <ProgressBar value={d.size > 0 ? d.received / d.size : 0} label={`Downloading ${file.name}`} />
        <button type="button" className={cls} onClick={() => void beacon.cancelDownload(d.id)}>
          Cancel{label}
        </button>
      </span>
    )
  if (d?.status === 'done')
    return (
      <span className="file-download">
        <button type="button" className={cls} onClick={() => void beacon.showDownload(d.id)} title={d.savedAs}>
          <Icon name="folder" size={14} />
          <span>Show in folder</span>
          {label}
        </button>
        <button type="button" className={cls} onClick={() => void beacon.openDownload(d.id)}>
          <Icon name="open" size={14} />
          <span>Open</span>
          {label}
        </button>
      </span>
    )
  const failed = error ?? (d?.status === 'failed' ? (d.error ?? 'The download failed.') : undefined)
  return (
    <span className="file-download">
      {failed ? (
        <span className="file-error" role="alert">
          {failed}
        </span>
      ) : null}
      <button type="button" className={cls} onClick={() => void start()}>
        <Icon name="download" size={14} />
        <span>{failed ? 'Try again' : 'Download'}</span>
        {label}
      </button>
    </span>
  )
}
