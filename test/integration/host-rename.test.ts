// A member renamed while an old connection of theirs still lingers (a half-dead socket, a second tab with
// the same client id): the room learns the new name at once, not when the old socket finally goes.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { RawClient } from '../helpers/raw-client.ts'
import { startHost, type TestHost } from '../helpers/host.ts'

describe('renaming', () => {
  let host: TestHost
  before(async () => (host = await startHost()))
  after(() => host.dispose())

  it('a new name on a second connection of the same member reaches the others and newcomers, while the old connection lingers', async () => {
    const watcher = await RawClient.join(host.url, 'Watcher', 'client-watch')
    const old = await RawClient.join(host.url, 'Ann', 'client-ann')
    const id = old.welcome!.you.id
    const renamed = await RawClient.join(host.url, 'Annie', 'client-ann')
    assert.equal(renamed.welcome!.you.id, id, 'the member id stays with the client id')
    await watcher.until(() => watcher.of('joined').some((j) => j.member.id === id && j.member.name === 'Annie'), 'joined with the new name')
    const newcomer = await RawClient.join(host.url, 'Late', 'client-late')
    assert.deepEqual(
      newcomer.welcome!.members.filter((m) => m.id === id),
      [{ id, name: 'Annie' }],
    )
    for (const c of [watcher, old, renamed, newcomer]) c.close()
  })
})
