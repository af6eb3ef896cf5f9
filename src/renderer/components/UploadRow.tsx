// A file still on its way, at the end of the message list after the pending messages: its name and size, what
// is happening (preparing, uploading with progress, sending) and Cancel; a failure says why, with Try again unless trying again cannot help.
import { memo, use } from 'react'
import { formatBytes } from '../state/format.ts'
import { uploadStatus, type UploadItem } from '../state/uploads.ts'
import { FilesContext } from './files-context.ts'
import { FileTypeIcon } from './FileView.tsx'
import { Icon } from './Icon.tsx'
import { ProgressBar } from './ProgressBar.tsx'

export const UploadRow = memo(function UploadRow({ upload }: { upload: UploadItem }) {
  const { sender } = use(FilesContext)
  const failed = upload.error !== undefined
  return (
    <div className={failed ? 'message own upload-row failed' : 'message own upload-row'} role="group" aria-label={`Sending ${upload.name}`}>
      <div className="message-gutter" aria-hidden="true">
        <Icon name="upload" />
      </div>
      <div className="message-body">
        <div className="file-card">
          <FileTypeIcon name={upload.name} />
          <div className="file-info">
            <span className="file-name" title={upload.name}>
              {upload.name}
            </span>
            <span className={failed ? 'file-size file-error' : 'file-size'} role={failed ? 'alert' : undefined}>
              {formatBytes(upload.size)} · {uploadStatus(upload)}
            </span>
            {!failed ? (
              <ProgressBar
                value={upload.phase === 'uploading' || upload.phase === 'sending' ? upload.progress : 0}
                label={`Upload of ${upload.name}`}
              />
            ) : null}
          </div>
          {failed && !upload.final ? (
            <button type="button" className="button small" onClick={() => sender?.retry(upload.id)}>
              Try again
            </button>
          ) : null}
          <button type="button" className="button small ghost" onClick={() => sender?.cancel(upload.id)}>
            {failed ? 'Dismiss' : 'Cancel'}
            <span className="sr-only"> {upload.name}</span>
          </button>
        </div>
      </div>
    </div>
  )
})
