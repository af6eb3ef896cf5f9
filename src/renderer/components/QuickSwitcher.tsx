// The quick switcher (Ctrl+K, ⌘K on a Mac): type part of a room's name, move with the arrow keys, Enter opens
// a joined room or joins one on the network; Escape closes it and focus goes back where it was. An ARIA 1.2
// combobox: the text box owns a listbox whose options are grouped as the sidebar is (your rooms, then the
// network's others).
import { useId, useMemo, useState } from 'react'
import type { JoinedRoom, RoomListing } from '../../shared/bridge.ts'
import { switcherItems, type SwitcherItem } from '../state/switching.ts'
import { Modal } from './Modal.tsx'

export function QuickSwitcher(props: {
  joined: readonly JoinedRoom[]
  rooms: readonly RoomListing[]
  shownId: string | undefined
  onPick: (item: SwitcherItem) => void
  onClose: () => void
}) {
  const [query, setQuery] = useState('')
  const [active, setActive] = useState(0)
  const listId = useId()
  const items = useMemo(() => switcherItems(props.joined, props.rooms, query), [props.joined, props.rooms, query])
  const chosen = Math.min(active, items.length - 1)
  const optionId = (i: number) => `${listId}-${i}`
  const groups = [
    { label: 'Your rooms', items: items.flatMap((item, i) => (item.kind === 'joined' ? [{ item, i }] : [])) },
    { label: 'On your network', items: items.flatMap((item, i) => (item.kind === 'network' ? [{ item, i }] : [])) },
  ].filter((g) => g.items.length > 0)

  const onKeyDown = (e: React.KeyboardEvent) => {
    const n = items.length
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (n > 0) setActive((chosen + (e.key === 'ArrowDown' ? 1 : n - 1)) % n)
    } else if (e.key === 'Home' || e.key === 'End') {
      setActive(e.key === 'Home' ? 0 : n - 1)
    } else if (e.key === 'Enter' && !e.nativeEvent.isComposing) {
      if (items[chosen]) props.onPick(items[chosen])
    } else return
    e.preventDefault()
  }

  return (
    <Modal title="Switch room" onClose={props.onClose} className="switcher">
      <input
        className="input switcher-input"
        role="combobox"
        aria-label="Room name"
        aria-expanded={items.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={items.length > 0 ? optionId(chosen) : undefined}
        placeholder="Type a room’s name"
        autoComplete="off"
        spellCheck={false}
        data-autofocus
        value={query}
        onChange={(e) => {
          setQuery(e.target.value)
          setActive(0)
        }}
        onKeyDown={onKeyDown}
      />
      <div id={listId} role="listbox" aria-label="Rooms" className="switcher-list">
        {groups.map((g) => (
          <div key={g.label} role="group" aria-label={g.label} className="switcher-group">
            <div className="switcher-group-label" aria-hidden="true">
              {g.label}
            </div>
            {g.items.map(({ item, i }) => (
              <div
                key={item.room.id}
                id={optionId(i)}
                role="option"
                aria-selected={i === chosen}
                className="switcher-option"
                // The text box keeps the focus: a click picks, as Enter does.
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => props.onPick(item)}
              >
                <span className="switcher-name">{item.room.name}</span>
                <span className="switcher-meta">{optionMeta(item, props.shownId)}</span>
              </div>
            ))}
          </div>
        ))}
      </div>
      {items.length === 0 ? (
        <p className="muted switcher-empty" role="status">
          No room matches “{query}”.
        </p>
      ) : null}
    </Modal>
  )
}

/** What picking it does, or how the room is doing: read after its name. */
function optionMeta(item: SwitcherItem, shownId: string | undefined): string {
  if (item.kind === 'network') return item.room.passwordRequired ? 'Join, password required' : 'Join'
  const r = item.room
  const parts = [
    r.id === shownId ? 'shown' : undefined,
    r.status === 'password'
      ? 'needs the password'
      : r.status === 'offline'
        ? 'host offline'
        : r.status === 'connecting'
          ? 'connecting'
          : undefined,
    r.unread > 0 ? `${r.unread}${r.unreadMore ? '+' : ''} unread` : undefined,
    r.mentions > 0 ? `@${r.mentions}` : undefined,
  ]
  return parts.filter(Boolean).join(' · ')
}
