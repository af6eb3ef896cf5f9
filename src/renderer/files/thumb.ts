// The sender's thumbnail of an image (docs/PROTOCOL-FILES.md): at most LIMITS.thumbPixels on the long side, a
// WebP (JPEG where the browser cannot encode WebP) data: URL of at most LIMITS.maxThumbChars characters, made
// here so every member's list shows the image at once without fetching anything. Also the original's size, so
// the list reserves the image's box before it loads.
import { isInlineImage } from '../../shared/files.ts'
import { LIMITS } from '../../shared/limits.ts'

export interface ImageInfo {
  width: number
  height: number
  thumb?: string
}

/** Largest side the protocol accepts for `width`/`height`. */
const MAX_PIXELS = 65_535
const QUALITIES = [0.8, 0.6, 0.45, 0.3]
/** Each round that cannot fit the limit at any quality shrinks the thumbnail by this factor. */
const SHRINK = 0.7

/** Undefined for anything but an inline image type, or an image the browser cannot decode. */
export async function imageInfo(file: Blob, mime: string): Promise<ImageInfo | undefined> {
  if (!isInlineImage(mime)) return undefined
  let bitmap: ImageBitmap
  try {
    bitmap = await createImageBitmap(file)
  } catch {
    return undefined // not really an image, or one this browser cannot read: sent as a plain file
  }
  try {
    const { width, height } = bitmap
    if (width < 1 || height < 1 || width > MAX_PIXELS || height > MAX_PIXELS) return undefined
    const thumb = encode(bitmap)
    return { width, height, ...(thumb ? { thumb } : {}) }
  } finally {
    bitmap.close()
  }
}

function encode(bitmap: ImageBitmap): string | undefined {
  let scale = Math.min(1, LIMITS.thumbPixels / Math.max(bitmap.width, bitmap.height))
  const canvas = document.createElement('canvas')
  const ctx = canvas.getContext('2d')
  if (!ctx) return undefined
  for (let round = 0; round < 6; round++) {
    canvas.width = Math.max(1, Math.round(bitmap.width * scale))
    canvas.height = Math.max(1, Math.round(bitmap.height * scale))
    ctx.clearRect(0, 0, canvas.width, canvas.height)
    ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
    for (const q of QUALITIES) {
      let url = canvas.toDataURL('image/webp', q)
      if (!url.startsWith('data:image/webp')) url = canvas.toDataURL('image/jpeg', q)
      if (url.length <= LIMITS.maxThumbChars) return url
    }
    scale *= SHRINK
  }
  return undefined
}
