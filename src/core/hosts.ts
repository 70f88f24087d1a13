// Which Host a request to the mesh may name. A web page can make a browser send requests to 127.0.0.1,
// and by rebinding its own domain name to 127.0.0.1 also read the answers; the page's name is then in the
// Host header, which is how the mesh tells such requests from those addressed to it.
import {memoize} from './memo.js'

/** Names that always mean this machine (a web page cannot rebind them), as Host headers spell them. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]']

/** A host as a Host header spells it: lower-cased, an IPv6 address in brackets. */
function asHostHeader(host: string): string {
  const lower = host.toLowerCase()
  return lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : lower
}

/** Whether binding `host` (kne dev --host) keeps the mesh on this machine. */
export function isLoopbackHost(host: string): boolean {
  const name = asHostHeader(host)
  return LOOPBACK_NAMES.includes(name) || /^127\.\d+\.\d+\.\d+$/.test(name)
}

/** 0.0.0.0 or ::, every interface: the mesh cannot know the names it is reached by. */
export function isUnspecifiedHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]'
}

/**
 * The host names requests may carry in their Host header when the mesh was asked to bind `requested` and
 * bound `bound` (an address): the loopback names and both of those; undefined when any name is accepted.
 */
export function acceptedHostNames(requested: string, bound: string): ReadonlySet<string> | undefined {
  if (isUnspecifiedHost(requested) || isUnspecifiedHost(bound)) return undefined
  return new Set([...LOOPBACK_NAMES, asHostHeader(requested), asHostHeader(bound)])
}

/**
 * The name in a Host header (or an Origin's host), without its port. The port is not checked: a forwarded
 * port (ssh -L, docker -p) changes it, and it tells nothing about who sent the request.
 */
export const hostNameOf = memoize((host: string): string => {
  const lower = host.toLowerCase()
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1)
  const colon = lower.indexOf(':')
  return colon < 0 ? lower : lower.slice(0, colon)
})

/** What a request from a name the mesh does not answer to is told (403). */
export function foreignHostMessage(host: string, accepted: ReadonlySet<string>): string {
  return (
    `kne answers requests addressed to ${[...accepted].join(', ')}, not ${JSON.stringify(host)} (a web page could reach it ` +
    'through DNS rebinding); to serve another name, start kne dev with --host NAME, or --host 0.0.0.0 for any'
  )
}

/** What kne dev says when it binds `host`, or undefined when that is this machine only. */
export function exposedWarning(host: string): string | undefined {
  if (isLoopbackHost(host)) return undefined
  const anyName = isUnspecifiedHost(host) ? ' It answers requests for any host name, so a web page can reach it through DNS rebinding.' : ''
  return (
    `kne dev listens on ${host}: nothing it serves is authenticated; whoever reaches this address can send events, ` +
    `fire sources and read every event in the activity history.${anyName}`
  )
}
