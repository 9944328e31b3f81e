/**
 * Which addresses a webhook may reach (EVENTS.md §4.4): only globally reachable ones per the IANA
 * IPv4 and IPv6 special-purpose address registries. Pure code over the textual forms (the URL
 * check judges IP literals with it; the delivery engine judges every resolved address with it).
 *
 * Decisions: a registry block is refused whole when parts of it are global but rare (192.0.0.0/24,
 * 2001::/23); IPv6 is global only inside 2000::/3 (global unicast) and outside the special blocks;
 * IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) are judged by the IPv4
 * they embed; Teredo (2001::/32) is refused (its client address is obfuscated and it tunnels).
 */

/** An IPv4 address in dotted-quad form (the WHATWG URL parser's and resolvers' output) as a 32-bit number. */
export const parseIPv4 = (s: string): number | undefined => {
  const parts = s.split(".")
  if (parts.length !== 4) return undefined
  let n = 0
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined
    const v = Number(p)
    if (v > 255) return undefined
    n = n * 256 + v
  }
  return n
}

const hextets = (s: string): Array<number> | undefined => {
  if (s === "") return []
  const out: Array<number> = []
  const parts = s.split(":")
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] ?? ""
    if (i === parts.length - 1 && p.includes(".")) {
      const v4 = parseIPv4(p)
      if (v4 === undefined) return undefined
      out.push(Math.floor(v4 / 65536), v4 % 65536)
    } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
      out.push(Number.parseInt(p, 16))
    } else {
      return undefined
    }
  }
  return out
}

/** An IPv6 address (no brackets, no zone) as a 128-bit number. */
export const parseIPv6 = (s: string): bigint | undefined => {
  if (s.includes("%")) return undefined
  const halves = s.split("::")
  if (halves.length > 2) return undefined
  const head = hextets(halves[0] ?? "")
  const tail = halves.length === 2 ? hextets(halves[1] ?? "") : []
  if (head === undefined || tail === undefined) return undefined
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  const all = [...head, ...Array<number>(missing).fill(0), ...tail]
  return all.reduce((acc, h) => (acc << 16n) | BigInt(h), 0n)
}

type Block4 = readonly [base: string, bits: number]

/** IPv4 blocks that are not globally reachable (IANA IPv4 special-purpose registry, plus multicast). */
const NON_GLOBAL_V4: ReadonlyArray<Block4> = [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8], // private
  ["100.64.0.0", 10], // shared address space (CGNAT)
  ["127.0.0.0", 8], // loopback
  ["169.254.0.0", 16], // link-local (cloud metadata 169.254.169.254)
  ["172.16.0.0", 12], // private
  ["192.0.0.0", 24], // IETF protocol assignments
  ["192.0.2.0", 24], // TEST-NET-1
  ["192.88.99.0", 24], // 6to4 relay anycast (deprecated)
  ["192.168.0.0", 16], // private
  ["198.18.0.0", 15], // benchmarking
  ["198.51.100.0", 24], // TEST-NET-2
  ["203.0.113.0", 24], // TEST-NET-3
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4] // reserved, limited broadcast
]

const inBlock4 = (n: number, [base, bits]: Block4): boolean => {
  const b = parseIPv4(base) ?? 0
  const size = 2 ** (32 - bits)
  return Math.floor(n / size) === Math.floor(b / size)
}

/** True when an IPv4 address (32-bit number) is globally reachable. */
export const isGlobalIPv4 = (n: number): boolean => !NON_GLOBAL_V4.some((block) => inBlock4(n, block))

const prefixOf = (n: bigint, bits: number): bigint => n >> BigInt(128 - bits)
const block6 = (s: string, bits: number) => ({ prefix: prefixOf(parseIPv6(s) ?? 0n, bits), bits })

/** IPv6 blocks inside 2000::/3 that are not globally reachable (IANA IPv6 special-purpose registry). */
const NON_GLOBAL_V6 = [
  block6("2001::", 23), // IETF protocol assignments, Teredo (2001::/32) included
  block6("2001:db8::", 32), // documentation
  block6("3fff::", 20), // documentation
  block6("2002::", 16) // 6to4: judged by the embedded IPv4 below, never as such
]

const embeddedV4 = (n: bigint, shift: number): number => Number((n >> BigInt(shift)) & 0xffffffffn)

/** True when an IPv6 address (128-bit number) is globally reachable. */
export const isGlobalIPv6 = (n: bigint): boolean => {
  if (prefixOf(n, 96) === 0xffffn) return isGlobalIPv4(embeddedV4(n, 0)) // ::ffff:a.b.c.d
  if (prefixOf(n, 96) === prefixOf(parseIPv6("64:ff9b::") ?? 0n, 96)) return isGlobalIPv4(embeddedV4(n, 0)) // NAT64
  if (prefixOf(n, 16) === 0x2002n) return isGlobalIPv4(embeddedV4(n, 80)) // 6to4
  if (prefixOf(n, 3) !== 0b001n) return false // outside global unicast: ::, ::1, ULA, link-local, multicast, …
  return !NON_GLOBAL_V6.some((b) => prefixOf(n, b.bits) === b.prefix)
}

/** An IP literal's family, or `undefined` when the text is not an IP address. */
export const ipFamily = (s: string): 4 | 6 | undefined =>
  parseIPv4(s) !== undefined ? 4 : parseIPv6(s) !== undefined ? 6 : undefined

/** True when `address` (IPv4 dotted quad or IPv6 text, no brackets) is globally reachable; false for non-addresses. */
export const isGlobalAddress = (address: string): boolean => {
  const v4 = parseIPv4(address)
  if (v4 !== undefined) return isGlobalIPv4(v4)
  const v6 = parseIPv6(address)
  return v6 !== undefined && isGlobalIPv6(v6)
}
