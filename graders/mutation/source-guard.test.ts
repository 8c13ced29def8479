import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const GUARD = path.join(path.dirname(fileURLToPath(import.meta.url)), "source-guard.mjs");

/** What a learner's test sees of a function's text once the guard ran (in a node of its own). */
function seen(body: string): unknown {
  const script = `await import(${JSON.stringify(GUARD)});\nawait import(${JSON.stringify(GUARD)});\n${body}`;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  return JSON.parse(out);
}

describe("source-guard.mjs (the mutation kind's first setup file)", () => {
  it("answers every way of reading a function's text with a native-code stub", () => {
    const r = seen(`
      function discounted(total, loyal) { return loyal && total >= 100 ? total * 0.9 : total; }
      class Cart { total() { return 1; } }
      const arrow = (a) => a + 1;
      const out = [String(discounted), \`\${discounted}\`, discounted.toString(), Function.prototype.toString.call(discounted),
        Reflect.apply(Object.getPrototypeOf(discounted).toString, discounted, []), String(Cart), String(Cart.prototype.total),
        String(arrow), String(async function* gen() {}), String(Math.max)];
      let redefined;
      try { Object.defineProperty(Function.prototype, "toString", { value: () => "x" }); redefined = "yes"; } catch { redefined = "refused"; }
      let nonFunction;
      try { Function.prototype.toString.call({}); nonFunction = "no error"; } catch (e) { nonFunction = e.constructor.name; }
      console.log(JSON.stringify({ out, redefined, nonFunction, name: Function.prototype.toString.name }));`);
    expect(r).toEqual({
      out: [
        ...Array(5).fill("function discounted() { [native code] }"),
        "function Cart() { [native code] }",
        "function total() { [native code] }",
        "function arrow() { [native code] }",
        "function gen() { [native code] }",
        "function max() { [native code] }",
      ],
      redefined: "refused",
      nonFunction: "TypeError",
      name: "toString",
    });
  });
});
