/** Why an upload failed, in words for the user (what the upload row shows). */
export class UploadFailed extends Error {}
