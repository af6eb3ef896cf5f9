// A host's file limits: LIMITS by default; `beacon host` flags and tests change some (tests shrink the timers).
import { LIMITS } from '../../../shared/limits.ts'

export interface FileLimits {
  maxFileBytes: number
  /** Stored files plus unfinished uploads' declared sizes (LIMITS.maxRoomFileBytes). */
  maxRoomBytes: number
  /** Per member and direction; 0: unlimited. */
  transferBytesPerSecond: number
  uploadsPerMember: number
  downloadsPerMember: number
  openUploadsPerMember: number
  uploadStallMs: number
  uploadExpiryMs: number
  unsentFileMs: number
  fileTokenGraceMs: number
}

export function fileLimits(asked: Partial<FileLimits> = {}): FileLimits {
  const defaults: FileLimits = {
    maxFileBytes: LIMITS.maxFileBytes,
    maxRoomBytes: LIMITS.maxRoomFileBytes,
    transferBytesPerSecond: LIMITS.transferBytesPerSecond,
    uploadsPerMember: LIMITS.uploadsPerMember,
    downloadsPerMember: LIMITS.downloadsPerMember,
    openUploadsPerMember: LIMITS.openUploadsPerMember,
    uploadStallMs: LIMITS.uploadStallMs,
    uploadExpiryMs: LIMITS.uploadExpiryMs,
    unsentFileMs: LIMITS.unsentFileMs,
    fileTokenGraceMs: LIMITS.fileTokenGraceMs,
  }
  for (const [k, v] of Object.entries(asked)) if (v !== undefined) defaults[k as keyof FileLimits] = v
  return defaults
}
