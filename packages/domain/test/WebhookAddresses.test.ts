/**
 * EVENTS.md §4.4: which addresses a webhook may reach — every class of the IANA special-purpose
 * registries refused, embedded IPv4 (mapped, NAT64, 6to4) judged by itself, Teredo refused.
 */
import { describe, expect, it } from "vitest"
import { checkWebhookUrl, isGlobalAddress, parseIPv6 } from "../src/index.js"

describe("isGlobalAddress", () => {
  it("refuses every non-global IPv4 class and accepts public ones", () => {
    const refused = [
      "0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.255", "127.0.0.1", "127.255.0.9",
      "169.254.169.254", "169.254.0.1", "172.16.0.1", "172.31.255.255", "192.0.0.8", "192.0.2.1", "192.88.99.1",
      "192.168.1.1", "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.250",
      "240.0.0.1", "255.255.255.255"
    ]
    for (const a of refused) expect(isGlobalAddress(a), a).toBe(false)
    for (const a of ["1.1.1.1", "8.8.8.8", "93.184.216.34", "100.63.255.255", "100.128.0.0", "172.15.255.255", "172.32.0.0", "192.167.1.1", "198.20.0.1", "223.255.255.255"]) {
      expect(isGlobalAddress(a), a).toBe(true)
    }
  })

  it("refuses every non-global IPv6 class; embedded IPv4 is judged by itself; Teredo refused", () => {
    const refused = [
      "::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "fe80::1234:5678", "fec0::1", "ff02::1", "ff05::1:3",
      "2001:db8::1", "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:10::1", "3fff::1", "100::1", "64:ff9b:1::1",
      "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "64:ff9b::10.1.2.3",
      "2002:7f00:1::", "2002:a00:1::1", "2002:c0a8:101::1", "::127.0.0.1", "::a00:1"
    ]
    for (const a of refused) expect(isGlobalAddress(a), a).toBe(false)
    for (const a of ["2606:4700:4700::1111", "2a00:1450:4001:82b::200e", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"]) {
      expect(isGlobalAddress(a), a).toBe(true)
    }
  })

  it("is not fooled by malformed or zoned text", () => {
    for (const a of ["", "localhost", "1.2.3", "1.2.3.4.5", "01.2.3.4", "256.1.1.1", "fe80::1%eth0", "1::2::3", "12345::", "::ffff:1.2.3.256"]) {
      expect(isGlobalAddress(a), a).toBe(false)
    }
    expect(parseIPv6("1:2:3:4:5:6:7:8")).toBe(0x00010002000300040005000600070008n)
  })
})

describe("checkWebhookUrl", () => {
  it("normalises numeric hosts with the WHATWG parser before judging them", () => {
    for (const url of ["https://0x7f.1/", "https://2130706433/", "https://0177.0.0.1/", "https://127.1/", "https://[::ffff:127.0.0.1]/", "https://LOCALHOST/", "https://a.localhost/"]) {
      expect(checkWebhookUrl(url, false), url).toHaveProperty("issue.reason", "invalid_format")
    }
    expect(checkWebhookUrl("https://Example.com:443/a/./b?x#", false)).toHaveProperty("issue.reason", "invalid_format")
    expect(checkWebhookUrl("https://Example.com:443/a/./b?x", false)).toEqual({ url: "https://example.com/a/b?x" })
    expect(checkWebhookUrl("http://127.0.0.1:9/x", true)).toEqual({ url: "http://127.0.0.1:9/x" })
    expect(checkWebhookUrl("ftp://example.com/x", true)).toHaveProperty("issue.reason", "invalid_format")
  })
})
