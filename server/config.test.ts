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

  it("reads the account settings: sign-up mode, session lifetimes, limits", () => {
    expect(loadConfig({})).toMatchObject({
      signup: "open",
      sessionIdleMs: 24 * 3_600_000,
      sessionMaxMs: 14 * 86_400_000,
      inviteDays: 7,
      authAttemptsPerIp: 100,
    });
    expect(loadConfig({ SIGNUP: "invite", SESSION_IDLE_HOURS: "2", SESSION_MAX_DAYS: "1" })).toMatchObject({
      signup: "invite",
      sessionIdleMs: 7_200_000,
      sessionMaxMs: 86_400_000,
    });
    expect(() => loadConfig({ SIGNUP: "closed" })).toThrow(/SIGNUP/);
    expect(() => loadConfig({ SESSION_IDLE_HOURS: "0" })).toThrow(/SESSION_IDLE_HOURS/);
  });

  it("uses secure cookies behind an https public URL", () => {
    expect(loadConfig({ PUBLIC_URL: "https://lab.example.com/" })).toMatchObject({
      secureCookies: true,
      publicUrl: "https://lab.example.com",
    });
  });
});
