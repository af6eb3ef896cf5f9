// The desktop app's entry: the preload put the bridge at window.beacon; links open through it.
import { findBridge } from './bridge.ts'
import { start } from './start.tsx'

start(findBridge(), 'bridge')
