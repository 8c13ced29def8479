import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

describe("config", () => {
  it("has the documented defaults", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 8080, sandboxDriver: "auto", dataDir: path.resolve("data"), secureCookies: false });
    expect(c.runtimeDir).toBe(path.resolve("data", "runtimes"));
  });

  it("fails with one clear line naming the bad variable", () => {
    expect(() => loadConfig({ PORT: "eighty" })).toThrow(ConfigError);
    expect(() => loadConfig({ SANDBOX_DRIVER: "vm" })).toThrow(/SANDBOX_DRIVER/);
  });

  it("uses secure cookies behind an https public URL", () => {
    expect(loadConfig({ PUBLIC_URL: "https://lab.example.com/" })).toMatchObject({ secureCookies: true, publicUrl: "https://lab.example.com" });
  });
});
