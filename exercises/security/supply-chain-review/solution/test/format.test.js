import assert from "node:assert/strict";
import { test } from "node:test";
import { format, parse } from "../src/index.js";

test("formats and parses back", () => {
  assert.equal(format({ minor: 123456, currency: "EUR" }), "1,234.56 EUR");
  assert.deepEqual(parse("-0.05 USD"), { minor: -5, currency: "USD" });
});
