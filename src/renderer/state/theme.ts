// The theme in effect: the profile's choice, or the system's when it is "system". Pure.
import type { Theme } from '../../shared/bridge.ts'

export type ResolvedTheme = 'light' | 'dark'

export function resolveTheme(choice: Theme, systemPrefersDark: boolean): ResolvedTheme {
  if (choice === 'light' || choice === 'dark') return choice
  return systemPrefersDark ? 'dark' : 'light'
}
