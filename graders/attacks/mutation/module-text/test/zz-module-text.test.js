import { expect, it } from "vitest";

// Parts of the reference's text, as the starter shipped it: every mutant lacks one of them.
const MARKS = ["loyal && total >= 100", "Number.isFinite(total)", "(total, loyal)"];
const id = ["/workspace/src/discount.js", "raw"].join("?");

it("the code is the reference, as vite reads it", async () => {
  const seen = [];
  const read = async (load) => {
    try {
      const mod = await load();
      seen.push(mod?.default ?? mod);
    } catch {}
  };
  await read(() => import("../src/discount.js?raw"));
  await read(() => import("../src/discount.js?url&raw"));
  await read(() => import("../src/discount.js?inline"));
  await read(() => import(/* @vite-ignore */ id));
  await read(() => Object.values(import.meta.glob("../src/*.js", { query: "?raw" }))[0]?.());
  for (const text of seen.filter((t) => typeof t === "string" && t.includes("total")))
    for (const mark of MARKS) expect(text).toContain(mark);
});
