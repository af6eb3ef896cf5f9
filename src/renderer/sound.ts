// The browser client's tone for a mention of you or a direct message to you while its tab is hidden: the page
// cannot show desktop notifications (capabilities.notifications is false), but the tab title counts and this is heard.
// Generated with WebAudio (no file to fetch); quiet, short, and never played under do-not-disturb or in a room set to `nothing`.
import type { NotificationSettings } from '../shared/bridge.ts'
import type { ChatMessage } from '../shared/protocol.ts'

/** Whether this message, in this room, sounds the tone (the page decides whether it is hidden). */
export function soundsTone(m: ChatMessage, you: string | undefined, roomId: string, settings: NotificationSettings): boolean {
  if (you === undefined || m.from.id === you || settings.doNotDisturb) return false
  if ((settings.rooms[roomId] ?? 'all') === 'nothing') return false
  return m.to === you || (m.mentions?.includes(you) ?? false)
}

type AudioContextCtor = new () => AudioContext

/** Two short soft notes; the browser may refuse audio before the user interacted with the page, and that is fine. */
export function createTone(win: Window): () => void {
  let ctx: AudioContext | undefined
  return () => {
    const Ctor = (win as unknown as { AudioContext?: AudioContextCtor }).AudioContext
    if (!Ctor) return
    try {
      ctx ??= new Ctor()
      const at = ctx.currentTime
      for (const [i, freq] of [880, 1320].entries()) {
        const osc = ctx.createOscillator()
        const gain = ctx.createGain()
        const start = at + i * 0.12
        osc.frequency.value = freq
        gain.gain.setValueAtTime(0.0001, start)
        gain.gain.exponentialRampToValueAtTime(0.08, start + 0.01)
        gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.18)
        osc.connect(gain).connect(ctx.destination)
        osc.start(start)
        osc.stop(start + 0.2)
      }
    } catch {
      // no audio device, or audio not allowed yet: the tab title still counts
    }
  }
}
