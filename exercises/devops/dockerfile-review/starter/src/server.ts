import { timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import { pathToFileURL } from "node:url";

/** A tiny API: GET /health for probes, GET /v1/greeting behind a bearer token. */
export function createApp(apiToken: string): Server {
  const expected = Buffer.from(`Bearer ${apiToken}`);
  return createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && url.pathname === "/health") return json(res, 200, { status: "ok" });
    if (req.method === "GET" && url.pathname === "/v1/greeting") {
      const given = Buffer.from(req.headers.authorization ?? "");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.setHeader("WWW-Authenticate", "Bearer");
        return problem(res, 401, "Unauthorized");
      }
      return json(res, 200, { message: `hello, ${url.searchParams.get("name") ?? "world"}` });
    }
    return problem(res, 404, "Not Found");
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

function problem(res: ServerResponse, status: number, title: string): void {
  res.writeHead(status, { "content-type": "application/problem+json" }).end(JSON.stringify({ type: "about:blank", title, status }));
}

/** The token comes from the environment at run time: API_TOKEN, or a file named by API_TOKEN_FILE (Docker/Kubernetes secrets). */
function readToken(): string {
  const file = process.env.API_TOKEN_FILE;
  const token = file ? readFileSync(file, "utf8").trim() : process.env.API_TOKEN;
  if (!token) {
    console.error("API_TOKEN (or API_TOKEN_FILE) is not set: pass it at run time, e.g. docker run -e API_TOKEN=…");
    process.exit(1);
  }
  return token;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT ?? 3000);
  const server = createApp(readToken()).listen(port, () => console.log(`listening on :${port}`));
  // Stop cleanly when Docker sends SIGTERM (docker stop, a rolling deploy).
  process.once("SIGTERM", () => server.close(() => process.exit(0)));
}
