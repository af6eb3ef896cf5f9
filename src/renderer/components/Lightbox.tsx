// An image at full size in a modal dialog (Escape or Close, focus back on the image that opened it), with
// its name and Download.
import { use } from 'react'
import type { FileRef } from '../../shared/protocol.ts'
import { formatBytes } from '../state/format.ts'
import { FilesContext } from './files-context.ts'
import { Download, inlineUrl } from './FileView.tsx'
import { Modal } from './Modal.tsx'

export function Lightbox({ file, onClose }: { file: FileRef; onClose: () => void }) {
  const { access } = use(FilesContext)
  return (
    <Modal title={file.name} onClose={onClose} className="modal-lightbox">
      <div className="lightbox">
        {access ? (
          <img className="lightbox-image" src={inlineUrl(access, file)} alt={file.name} width={file.width} height={file.height} />
        ) : file.thumb ? (
          <img className="lightbox-image" src={file.thumb} alt={file.name} width={file.width} height={file.height} />
        ) : null}
      </div>
      <div className="modal-actions lightbox-actions">
        <span className="muted">{formatBytes(file.size)}</span>
        <Download file={file} />
      </div>
    </Modal>
  )
}
