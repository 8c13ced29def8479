// Structured logs: one JSON object per line on stdout. Callers pass ids, never credentials.

export function log(level: "info" | "warn" | "error", event: string, fields: Record<string, string | number> = {}) {
  console.log(JSON.stringify({ time: new Date().toISOString(), level, event, ...fields }));
}
