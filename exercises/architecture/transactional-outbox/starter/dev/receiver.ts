// A stand-in for the shipping service, for trying things out: `npm run receiver` (port 4100).
// It logs every event it receives and dedupes by Idempotency-Key. `FAIL=1` makes it answer
// 503 (an outage), `DELAY_MS=2000` makes it slow.
import http from "node:http";

const seen = new Set<string>();
const fail = process.env.FAIL === "1";
const delayMs = Number(process.env.DELAY_MS ?? 0);

http
  .createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const key = req.headers["idempotency-key"];
      const dup = typeof key === "string" && seen.has(key);
      console.log(`${req.method} ${req.url} key=${key ?? "(none)"}${dup ? " (duplicate)" : ""} ${body}`);
      setTimeout(() => {
        if (fail) return void res.writeHead(503).end();
        if (typeof key === "string") seen.add(key);
        res.writeHead(dup ? 200 : 202).end();
      }, delayMs);
    });
  })
  .listen(4100, "127.0.0.1", () => console.log("receiver on http://127.0.0.1:4100/events"));
