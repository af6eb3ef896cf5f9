/** Why an upload failed, in words for the user (what the upload row shows); `final` when trying again cannot help. */
export class UploadFailed extends Error {
  readonly final: boolean
  constructor(message: string, final = false) {
    super(message)
    this.final = final
  }
}
