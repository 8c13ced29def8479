import { describe, it, expect } from "vitest";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { loadConfig, ConfigError } from "../src/config.ts";
import { createApp } from "../src/app.ts";

describe("examples — add your own", () => {
  it("rejects a malformed PORT", () => {
    expect(() => loadConfig({ PORT: "80a0", DATABASE_URL: "postgres://localhost/app" })).toThrow(ConfigError);
  });

  it("serves /readyz on a free port", async () => {
    const app = createApp({ checks: { db: async () => undefined } });
    const server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(res.status).toBe(200);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
