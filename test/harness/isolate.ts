// Runs the calling test file inside its own user + network namespace (loopback only, multicast on), so
// mDNS between harness instances never touches the machine's real interfaces. The file re-executes
// itself under `unshare` with the same node flags and stdio, so the test runner sees its output as usual.
import { execFileSync, spawnSync } from 'node:child_process'

const FLAG = 'BEACON_ISOLATED_NETWORK'

/** Why namespaces cannot be made here, or undefined when they can. */
function unshareUnavailable(): string | undefined {
  const r = spawnSync('unshare', ['--user', '--map-root-user', '--net', 'true'], { encoding: 'utf8' })
  if (r.error) return `unshare is not available: ${r.error.message}`
  return r.status === 0 ? undefined : `cannot create a network namespace: ${(r.stderr || '').trim().split('\n')[0]}`
}

/**
 * Call at the top of a test file, before any test is declared. Outside a namespace it runs this file
 * again inside a fresh one and exits with that run's status; inside, it brings loopback up with multicast.
 * Answers a reason when no namespace can be made (the caller skips what needs discovery).
 */
export function isolateNetwork(): string | undefined {
  if (process.env[FLAG] === '1') {
    execFileSync('ip', ['link', 'set', 'lo', 'up'])
    execFileSync('ip', ['link', 'set', 'lo', 'multicast', 'on'])
    execFileSync('ip', ['route', 'add', '224.0.0.0/4', 'dev', 'lo'])
    return undefined
  }
  const reason = unshareUnavailable()
  if (reason) return reason
  const r = spawnSync('unshare', ['--user', '--map-root-user', '--net', process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [FLAG]: '1' },
  })
  process.exit(r.status ?? 1)
}
