// Helpers for the hidden tests: plain node:http (so keep-alive is under the test's control)
// and the grader's control channel over the service's process.
import http from "node:http";
// @ts-expect-error the grader's module, present in the grading sandbox only
import { service } from "/grader/control.mjs";

export { service };
export const BASE = new URL(process.env.SERVICE_URL ?? "http://127.0.0.1:3000");
/** exercise.yaml starts the service with these (service.env). */
export const DRAIN_MS = 600;
export const TIMEOUT_MS = 2500;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type Reply = {
  status: number;
  connection: string | undefined;
  body: any;
  /** performance.now() when the response ended / its socket closed (null: still open). */
  endedAt: number;
  socketClosedAt: () => number | null;
};

/** GET `path`; `agent: false` opens a connection of its own. Rejects with the socket error (its `code`). */
export function get(path: string, agent: http.Agent | false = false, timeoutMs = 8000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let closedAt: number | null = null;
    const req = http.get({ host: BASE.hostname, port: BASE.port, path, agent, timeout: timeoutMs }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => {
        let body: any = null;
        try {
          body = JSON.parse(text);
        } catch {}
        resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body, endedAt: performance.now(), socketClosedAt: () => closedAt });
      });
      res.on("error", reject);
    });
    req.on("socket", (s) => s.once("close", () => (closedAt = performance.now())));
    req.on("timeout", () => req.destroy(Object.assign(new Error(`no answer to GET ${path} within ${timeoutMs} ms`), { code: "TIMEOUT" })));
    req.on("error", reject);
  });
}

/** The error code of a GET that fails (ECONNREFUSED, ECONNRESET, …), or `HTTP <status>`. */
export async function outcome(path: string, timeoutMs = 2000): Promise<string> {
  try {
    return `HTTP ${(await get(path, false, timeoutMs)).status}`;
  } catch (err: any) {
    return err?.code ?? String(err);
  }
}

/** Makes sure the service runs (a scenario before may have ended it). */
export async function running(): Promise<void> {
  if ((await outcome("/healthz")) === "HTTP 200") return;
  await service.restart();
}
