// Node flags a headless room host runs with (bin/beacon passes the same; a test keeps them in step).
// A host's heap is mostly long-lived (members, sockets, the room log's statements), while joins and
// broadcasts make short-lived garbage: with V8's default young generation, a crowd joining at once grows
// it to many MB that V8 then keeps. A 1 MB semi-space keeps an idle member at ~9 KB instead of ~15 KB
// (bench/, 2,000 members), at no measurable cost in CPU per delivered message.
export const HOST_NODE_FLAGS = ['--max-semi-space-size=1'] as const
