// Runs against the compiled server: npm test builds first.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createApp } from "../dist/server.js";

let server;
let base;
before(async () => {
  server = createApp("test-token");
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => server.close());

test("GET /health answers 200", async () => {
  const res = await fetch(`${base}/health`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: "ok" });
});

test("GET /v1/greeting needs the bearer token", async () => {
  assert.equal((await fetch(`${base}/v1/greeting`)).status, 401);
  const res = await fetch(`${base}/v1/greeting?name=ada`, { headers: { authorization: "Bearer test-token" } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { message: "hello, ada" });
});
