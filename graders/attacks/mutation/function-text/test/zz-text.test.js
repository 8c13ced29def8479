import { expect, it } from "vitest";
import { discounted } from "../src/discount.js";

// Parts of the reference's text, as the starter shipped it: every mutant lacks one of them.
const MARKS = ["loyal && total >= 100", "Number.isFinite(total)", "(total, loyal)"];

it("the code is the reference", async () => {
  const seen = [
    String(discounted),
    `${discounted}`,
    discounted.toString(),
    Function.prototype.toString.call(discounted),
    Reflect.apply(Object.getPrototypeOf(discounted).toString, discounted, []),
  ];
  try {
    const vm = await import("node:vm");
    seen.push(vm.runInNewContext("Function.prototype.toString").call(discounted));
  } catch {}
  try {
    const { createRequire } = await import("node:module");
    seen.push(createRequire("/workspace/")("vm").runInNewContext("Function.prototype.toString").call(discounted));
  } catch {}
  try {
    seen.push(process.getBuiltinModule?.("vm")?.runInNewContext("Function.prototype.toString").call(discounted));
  } catch {}
  for (const text of seen.filter((t) => typeof t === "string" && t.includes("total")))
    for (const mark of MARKS) expect(text).toContain(mark);
});
