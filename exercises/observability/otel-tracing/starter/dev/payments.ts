// A fake payment service for local runs, on :4100 (PAYMENTS_URL's default). It prints the
// traceparent header of every call. FAIL=503 makes every charge fail with that status.
//   tsx dev/payments.ts &
import crypto from "node:crypto";
import http from "node:http";

const port = Number(process.env.PAYMENTS_PORT ?? 4100);
const fail = Number(process.env.FAIL ?? 0);

http
  .createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      console.log(`[payments] ${req.method} ${req.url} traceparent: ${req.headers.traceparent ?? "(none)"}`);
      if (fail) res.writeHead(fail, { "content-type": "application/json" }).end('{"error":"card declined"}');
      else res.writeHead(201, { "content-type": "application/json" }).end(JSON.stringify({ chargeId: `ch_${crypto.randomBytes(6).toString("hex")}` }));
    });
  })
  .listen(port, "127.0.0.1", () => console.log(`[payments] listening on http://127.0.0.1:${port}`));
