// Decides which URLs an import may fetch: the IMPORT_ALLOW mirrors, and otherwise only hosts
// whose every address is public. Loopback, private, link-local, unspecified, CGNAT, multicast,
// IPv4-mapped and NAT64 addresses are refused.
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

const blocked = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 3],
] as const) {
  blocked.addSubnet(net, bits, "ipv4");
}
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["::ffff:0:0", 96],
  ["64:ff9b::", 96],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  blocked.addSubnet(net, bits, "ipv6");
}

export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 4 ? "ipv4" : "ipv6");
}

/** Why a URL may not be fetched, or undefined when it may. `url` comes from new URL(), so IP spellings are normalized. */
export async function refuseReason(url: URL): Promise<string | undefined> {
  if (url.protocol !== "http:" && url.protocol !== "https:") return "only http and https URLs can be imported";
  if (url.username || url.password) return "URLs with credentials cannot be imported";
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
    } catch {
      return "that host does not resolve";
    }
  }
  if (addresses.length === 0 || addresses.some(isBlockedAddress)) return "that address is internal: imports may not reach loopback, private or link-local hosts";
  return undefined;
}
