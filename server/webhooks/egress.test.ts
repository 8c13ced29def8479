import { describe, expect, it } from "vitest";
import { EgressPolicy } from "./egress.ts";

// Classification only: nothing here sends a packet anywhere.
describe("webhook egress policy", () => {
  const strict = new EgressPolicy();

  it("refuses loopback, link-local, private and other special ranges, v4 and v6", () => {
    for (const a of [
      "127.0.0.1",
      "10.1.2.3",
      "172.16.0.9",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "fe80::1",
      "fd00::5",
      "::ffff:127.0.0.1",
      "::ffff:10.0.0.1",
    ]) {
      expect(strict.refuses(a), a).toMatch(/loopback, link-local or private/);
    }
  });

  it("lets public addresses through, and loopback only once an operator allows it", () => {
    expect(strict.refuses("93.184.215.14")).toBeNull();
    expect(strict.refuses("2606:4700::1111")).toBeNull();
    const lab = new EgressPolicy(["127.0.0.0/8", "::1/128"]);
    expect(lab.refuses("127.0.0.1")).toBeNull();
    expect(lab.refuses("::1")).toBeNull();
    expect(lab.refuses("10.0.0.1")).toMatch(/private/);
  });

  it("checks a URL's scheme, credentials and every address its name resolves to", async () => {
    expect(await strict.checkUrl("ftp://example.test/x")).toMatch(/only http and https/);
    expect(await strict.checkUrl("https://user:pw@93.184.215.14/")).toMatch(/no credentials/);
    expect(await strict.checkUrl("http://[::1]:8080/hook")).toMatch(/private/);
    // `localhost` resolves (from /etc/hosts) to loopback: refused by name too.
    expect(await strict.checkUrl("http://localhost:9/hook")).toMatch(/localhost resolves to/);
    expect(await new EgressPolicy(["127.0.0.0/8", "::1/128"]).checkUrl("http://localhost:9/hook")).toBeNull();
  });
});
