// A fake inventory service for trying things out locally: `tsx dev/inventory.ts &`.
// It prints the tracing headers of every request it gets, so you can see what your service
// propagates. The hidden tests run their own fake on the same port.
//   INVENTORY_PORT  port to listen on (default 4000)
//   DELAY_MS        latency added to each reservation (default 30)
//   CATALOG_DOWN=1  answer 503 on /catalog, as if the catalog were still being built
import http from "node:http";
import { randomUUID } from "node:crypto";

const port = Number(process.env.INVENTORY_PORT ?? 4000);
const delayMs = Number(process.env.DELAY_MS ?? 30);
const catalog = [
  { sku: "KB-01", name: "Mechanical keyboard", price_cents: 8900 },
  { sku: "MS-02", name: "Wireless mouse", price_cents: 3500 },
  { sku: "MN-27", name: "27-inch monitor", price_cents: 24900 },
];
const stock = new Map(catalog.map((p) => [p.sku, 50]));

function send(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json", connection: "close" });
  res.end(JSON.stringify(body));
}

http
  .createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c));
    req.on("end", () => {
      console.log(`[inventory] ${req.method} ${req.url}  traceparent=${req.headers.traceparent ?? "-"}  x-request-id=${req.headers["x-request-id"] ?? "-"}`);
      if (req.method === "GET" && req.url === "/healthz") return send(res, 200, { status: "ok" });
      if (req.method === "GET" && req.url === "/catalog") {
        return process.env.CATALOG_DOWN === "1" ? send(res, 503, { error: "catalog not ready" }) : send(res, 200, catalog);
      }
      if (req.method === "POST" && req.url === "/reservations") {
        setTimeout(() => {
          let body: { sku?: string; quantity?: number } = {};
          try {
            body = JSON.parse(raw);
          } catch {
            return send(res, 400, { error: "invalid JSON" });
          }
          const left = stock.get(body.sku ?? "") ?? 0;
          const quantity = body.quantity ?? 0;
          if (quantity > left) return send(res, 409, { error: "out of stock" });
          stock.set(body.sku!, left - quantity);
          send(res, 201, { reservation_id: randomUUID(), sku: body.sku, quantity });
        }, delayMs);
        return;
      }
      send(res, 404, { error: "not found" });
    });
  })
  .listen(port, "127.0.0.1", () => console.log(`[inventory] fake inventory on http://127.0.0.1:${port}`));
