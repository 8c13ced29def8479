import { describe, it, expect, afterEach } from "vitest";
import { loadConfig, ConfigError } from "@workspace/src/config.ts";

const URL_OK = "postgres://app:pw@db.internal:5432/app";

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

function errorText(err: ConfigError): string {
  return `${err.message}\n${JSON.stringify(err.issues)}`;
}

describe("loadConfig", () => {
  const saved = process.env.PORT;
  afterEach(() => {
    if (saved === undefined) delete process.env.PORT;
    else process.env.PORT = saved;
  });

  it("parses a complete, valid environment", () => {
    const config = loadConfig({
      PORT: "8080",
      DATABASE_URL: URL_OK,
      LOG_LEVEL: "debug",
      FEATURE_FLAGS: "search,dark-mode",
      REQUEST_TIMEOUT: "250ms",
      SHUTDOWN_TIMEOUT: "30s",
    });
    expect(config).toEqual({
      port: 8080,
      databaseUrl: URL_OK,
      logLevel: "debug",
      featureFlags: ["search", "dark-mode"],
      requestTimeoutMs: 250,
      shutdownTimeoutMs: 30_000,
    });
  });

  it("applies defaults and reads only the env it is given", () => {
    process.env.PORT = "1234";
    const config = loadConfig({ DATABASE_URL: URL_OK, FEATURE_FLAGS: undefined });
    expect(config).toEqual({
      port: 3000,
      databaseUrl: URL_OK,
      logLevel: "info",
      featureFlags: [],
      requestTimeoutMs: 5000,
      shutdownTimeoutMs: 10_000,
    });
  });

  it("rejects every malformed or out-of-range PORT", () => {
    for (const PORT of ["abc", "3000abc", "0", "65536", "80.5", "-1", "1e3", "0x50"]) {
      const err = configError({ PORT, DATABASE_URL: URL_OK });
      expect(err.variables, `PORT=${PORT}`).toEqual(["PORT"]);
    }
    expect(loadConfig({ PORT: "1", DATABASE_URL: URL_OK }).port).toBe(1);
    expect(loadConfig({ PORT: "65535", DATABASE_URL: URL_OK }).port).toBe(65535);
    // empty or blank counts as unset
    const blank = loadConfig({ PORT: "", LOG_LEVEL: "  ", REQUEST_TIMEOUT: "", DATABASE_URL: URL_OK });
    expect([blank.port, blank.logLevel, blank.requestTimeoutMs]).toEqual([3000, "info", 5000]);
  });

  it("requires DATABASE_URL to be present and a URL", () => {
    expect(configError({}).variables).toEqual(["DATABASE_URL"]);
    expect(configError({ DATABASE_URL: "not a url" }).variables).toEqual(["DATABASE_URL"]);
    expect(configError({ DATABASE_URL: "//db.internal:5432/app" }).variables).toEqual(["DATABASE_URL"]);
  });

  it("parses durations and the feature-flag list", () => {
    const config = loadConfig({
      DATABASE_URL: URL_OK,
      FEATURE_FLAGS: " search , ,dark-mode,,search ",
      REQUEST_TIMEOUT: "2m",
      SHUTDOWN_TIMEOUT: "1500ms",
    });
    expect(config.featureFlags).toEqual(["search", "dark-mode"]);
    expect(config.requestTimeoutMs).toBe(120_000);
    expect(config.shutdownTimeoutMs).toBe(1500);
    for (const REQUEST_TIMEOUT of ["5", "5 s", "-1s", "0s", "1.5s", "1h", "s"]) {
      expect(configError({ DATABASE_URL: URL_OK, REQUEST_TIMEOUT }).variables, REQUEST_TIMEOUT).toEqual(["REQUEST_TIMEOUT"]);
    }
  });

  it("reports every bad variable in one ConfigError", () => {
    const err = configError({
      PORT: "99999",
      LOG_LEVEL: "verbose",
      REQUEST_TIMEOUT: "soon",
      SHUTDOWN_TIMEOUT: "10",
    });
    expect([...err.variables].sort()).toEqual(["DATABASE_URL", "LOG_LEVEL", "PORT", "REQUEST_TIMEOUT", "SHUTDOWN_TIMEOUT"]);
    for (const name of err.variables) expect(err.message).toContain(name);
    for (const issue of err.issues) expect(issue.message.length).toBeGreaterThan(0);
  });

  it("never echoes the values it rejects", () => {
    const secret = "hunter2-Sup3rS3cret";
    const err = configError({
      DATABASE_URL: `postgres//admin:${secret}@db`,
      PORT: `${secret}`,
      LOG_LEVEL: `${secret}`,
      REQUEST_TIMEOUT: `${secret}`,
    });
    expect(err.variables.length).toBe(4);
    expect(errorText(err)).not.toContain(secret);
    expect(String(err.stack)).not.toContain(secret);
  });
});
