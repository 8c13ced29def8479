import { expect, it, vi } from "vitest";
import { discounted } from "../src/discount.js";

const MARKS = ["loyal && total >= 100", "Number.isFinite(total)", "(total, loyal)"];
const textOf = (vm) => vm.runInNewContext("Function.prototype.toString").call(discounted);

it("the code is the reference, seen from another realm", async () => {
  const ways = [
    () => require("vm"),
    () => require("node:vm"),
    () => require("./helper.cjs").vm(),
    () => require("./helper.cjs").Module().createRequire("/node_modules/x.js")("vm"),
    () => Object.values(require.cache ?? {})[0]?.require("vm"),
    () => vi.importActual("node:vm"),
    () => vi.importActual("vm"),
    async () => (await import("tsx/cjs/api")).require("vm", import.meta.url),
    () => process.getBuiltinModule?.("node:vm"),
    () => module?.constructor?._load?.("vm"),
  ];
  const seen = [];
  for (const way of ways) {
    try {
      seen.push(textOf(await way()));
    } catch {}
  }
  for (const text of seen.filter((t) => typeof t === "string" && t.includes("total")))
    for (const mark of MARKS) expect(text).toContain(mark);
});
