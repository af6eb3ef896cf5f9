// The file routes' fixed names (docs/PROTOCOL-FILES.md), free of zod and of Node and DOM types, so host, app and
// UI share them: paths, the tus headers, and which declared types may be shown inline.

/** The host's file routes: `${FILES_PATH}/uploads` (tus 1.0.0) and `${FILES_PATH}/<fileId>` (download). */
export const FILES_PATH = '/api/files'
export const UPLOADS_PATH = `${FILES_PATH}/uploads`
export const TUS_VERSION = '1.0.0'
/** tus extensions the host implements. */
export const TUS_EXTENSIONS = 'creation,termination,expiration'
/** Upload-Metadata keys (values base64, as tus defines). */
export const UPLOAD_METADATA = { name: 'filename', type: 'filetype', sha256: 'sha256' } as const

/**
 * Declared types a host serves inline (`inline=1`) and the UI shows in place. Raster images and common video
 * only: never SVG, HTML, XML or PDF, which a browser would run or render as a document. Everything else is an
 * attachment, and every response carries `nosniff`, so a lying type cannot turn bytes into a page.
 */
export const INLINE_IMAGE_TYPES: readonly string[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif']
export const INLINE_VIDEO_TYPES: readonly string[] = ['video/mp4', 'video/webm']

export const isInlineImage = (mime: string): boolean => INLINE_IMAGE_TYPES.includes(mime)
export const isInlineVideo = (mime: string): boolean => INLINE_VIDEO_TYPES.includes(mime)

/** A file's download path on a base (`/api/files` on the host, the app's proxy in the desktop app). */
export function fileUrl(
  base: string,
  fileId: string,
  token: string,
  opts: { name?: string; inline?: boolean; type?: string } = {},
): string {
  const q: Array<[string, string]> = [['t', token]]
  if (opts.name !== undefined) q.push(['name', opts.name])
  if (opts.inline) q.push(['inline', '1'])
  if (opts.type !== undefined) q.push(['type', opts.type])
  return `${base}/${encodeURIComponent(fileId)}?${q.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`
}
