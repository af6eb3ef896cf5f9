// RSocket request metadata as Spring's RSocketRequester sends it: composite metadata carrying a routing entry,
// or bare routing metadata; the connection's SETUP names which. Decoded with rsocket-composite-metadata.
import { decodeCompositeMetadata, decodeRoutes, WellKnownMimeType } from 'rsocket-composite-metadata'

export const COMPOSITE_MIME = WellKnownMimeType.MESSAGE_RSOCKET_COMPOSITE_METADATA.string
export const ROUTING_MIME = WellKnownMimeType.MESSAGE_RSOCKET_ROUTING.string
export const METADATA_MIMES: readonly string[] = [COMPOSITE_MIME, ROUTING_MIME]
export const DATA_MIME = WellKnownMimeType.APPLICATION_JSON.string

/** The request's route, or a message saying why there is none (malformed metadata is not thrown). */
export function routeOf(metadataMime: string, metadata: Buffer | undefined): { route: string } | { error: string } {
  if (!metadata || metadata.length === 0) return { error: `no route: send ${ROUTING_MIME} metadata naming one` }
  try {
    if (metadataMime === ROUTING_MIME) return first(metadata)
    for (const entry of decodeCompositeMetadata(metadata)) if (entry.mimeType === ROUTING_MIME) return first(entry.content)
    return { error: `no route: the composite metadata has no ${ROUTING_MIME} entry` }
  } catch {
    return { error: `bad metadata: not ${metadataMime}` }
  }
}

function first(routing: Buffer): { route: string } | { error: string } {
  for (const route of decodeRoutes(routing)) return { route }
  return { error: 'no route: the routing metadata is empty' }
}
