// The one Content-Security-Policy of Beacon's UI: the desktop window's index.html and the host's web client.
// Images may be data: URLs (a message's thumbnail travels inside it); files and videos come from the room's file
// routes on the page's own origin (the host for the browser client, the app's proxy in the desktop app).
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'"
