// A member's initials on a colour: others get a hue from their member id (two Anns differ), and "you" get
// the accent colour everywhere (footer, member list, messages), whatever room you are in. Decorative.
import { hueOf, initials } from '../state/format.ts'

export function Avatar(props: { name: string; id?: string; self?: boolean; small?: boolean }) {
  const classes = ['avatar', props.small ? 'small' : '', props.self ? 'self' : ''].filter(Boolean).join(' ')
  const style = props.self || props.id === undefined ? undefined : ({ '--hue': hueOf(props.id) } as React.CSSProperties)
  return (
    <span className={classes} style={style} aria-hidden="true">
      {initials(props.name)}
    </span>
  )
}
