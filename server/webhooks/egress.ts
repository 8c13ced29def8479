import dns from "node:dns";
import net from "node:net";

/**
 * Where a webhook may be delivered. A receiver URL is the lab making a request on an admin's
 * behalf, so it must never reach the lab's own host or private networks (SSRF) unless the
 * operator allows those ranges in config (WEBHOOK_ALLOW_NETWORKS). The check runs when an
 * endpoint is saved and again on the address each delivery actually connects to (a name can
 * resolve differently later: DNS rebinding).
 */

/** IANA special-purpose ranges that are not the public internet. */
const SPECIAL: [string, number, "ipv4" | "ipv6"][] = [
  ["0.0.0.0", 8, "ipv4"],
  ["10.0.0.0", 8, "ipv4"],
  ["100.64.0.0", 10, "ipv4"],
  ["127.0.0.0", 8, "ipv4"],
  ["169.254.0.0", 16, "ipv4"],
  ["172.16.0.0", 12, "ipv4"],
  ["192.0.0.0", 24, "ipv4"],
  ["192.0.2.0", 24, "ipv4"],
  ["192.88.99.0", 24, "ipv4"],
  ["192.168.0.0", 16, "ipv4"],
  ["198.18.0.0", 15, "ipv4"],
  ["198.51.100.0", 24, "ipv4"],
  ["203.0.113.0", 24, "ipv4"],
  ["224.0.0.0", 4, "ipv4"],
  ["240.0.0.0", 4, "ipv4"],
  ["::", 128, "ipv6"],
  ["::1", 128, "ipv6"],
  ["64:ff9b:1::", 48, "ipv6"],
  ["100::", 64, "ipv6"],
  ["2001:db8::", 32, "ipv6"],
  ["fc00::", 7, "ipv6"],
  ["fe80::", 10, "ipv6"],
  ["ff00::", 8, "ipv6"],
];

const special = new net.BlockList();
for (const [a, p, t] of SPECIAL) special.addSubnet(a, p, t);

export class EgressPolicy {
  private allowed = new net.BlockList();

  /** `allow`: CIDRs an operator lets webhooks reach although they are not public (e.g. 127.0.0.0/8). */
  constructor(allow: string[] = []) {
    for (const cidr of allow) {
      const [addr, bits] = cidr.split("/");
      const type = net.isIPv6(addr!) ? "ipv6" : "ipv4";
      this.allowed.addSubnet(addr!, Number(bits ?? (type === "ipv6" ? 128 : 32)), type);
    }
  }

  /** Why this address may not be reached, or null when it may. */
  refuses(address: string): string | null {
    let a = address;
    let type: "ipv4" | "ipv6" = net.isIPv6(a) ? "ipv6" : "ipv4";
    // An IPv4-mapped IPv6 address is the IPv4 address.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
    if (mapped) [a, type] = [mapped[1]!, "ipv4"];
    if (!net.isIP(a)) return `${address} is not an IP address`;
    if (this.allowed.check(a, type)) return null;
    if (special.check(a, type))
      return `${address} is a loopback, link-local or private address (allow it with WEBHOOK_ALLOW_NETWORKS)`;
    return null;
  }

  /** Checks a receiver URL when it is saved: scheme, no credentials, and every address its host resolves to. */
  async checkUrl(raw: string): Promise<string | null> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return "not a URL";
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") return "only http and https URLs";
    if (url.username || url.password) return "no credentials in the URL (the signature authenticates the lab)";
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (net.isIP(host)) return this.refuses(host);
    let addresses: dns.LookupAddress[];
    try {
      addresses = await dns.promises.lookup(host, { all: true, verbatim: true });
    } catch {
      return `${host} does not resolve`;
    }
    for (const a of addresses) {
      const why = this.refuses(a.address);
      if (why) return `${host} resolves to ${why}`;
    }
    return null;
  }

  /** A `lookup` for http.request that refuses to connect to an address this policy forbids. */
  lookup(): net.LookupFunction {
    return (hostname, options, callback) => {
      dns.lookup(hostname, { ...options, all: true, verbatim: true }, (err, addresses) => {
        if (err) return callback(err, "", 4);
        const list = addresses as dns.LookupAddress[];
        for (const a of list) {
          const why = this.refuses(a.address);
          if (why) return callback(Object.assign(new Error(`refused: ${why}`), { code: "EWEBHOOKEGRESS" }), "", 4);
        }
        if ((options as { all?: boolean }).all)
          return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
        callback(null, list[0]!.address, list[0]!.family);
      });
    };
  }
}
