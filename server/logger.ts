import pino from "pino";

export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "backlab" },
    redact: { paths: ["req.headers.cookie", "password", "*.password"], remove: true },
  });
}
