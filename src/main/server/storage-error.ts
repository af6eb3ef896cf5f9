// The room log cannot be used: a clear message for whoever runs the host (the CLI prints it, exit 1).
import { BeaconError } from '../../shared/errors.ts'

export class StorageError extends BeaconError {
  /** The file concerned (room.db or the lock file). */
  readonly file: string
  constructor(message: string, file: string, options?: { cause?: unknown }) {
    super('storage', message)
    this.name = 'StorageError'
    this.file = file
    if (options?.cause !== undefined) this.cause = options.cause
  }
}
