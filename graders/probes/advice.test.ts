import { describe, expect, it } from "vitest";
import { fail, withAdvice } from "./report.ts";
import { paramsOf, validateProbeUses } from "./run.ts";

describe("an exercise's own probe advice", () => {
  it("takes the place of the probe's generic advice in a failure's text", () => {
    const r = fail(
      "Missing security headers on GET / → 200.",
      undefined,
      "In Express, app.use(helmet()) sets them all.",
    );
    expect(withAdvice(r)).toBe("Missing security headers on GET / → 200. In Express, app.use(helmet()) sets them all.");
    expect(withAdvice(r, "Set them in a small middleware; helmet is not installed.")).toBe(
      "Missing security headers on GET / → 200. Set them in a small middleware; helmet is not installed.",
    );
  });

  it("is not a probe parameter, and is checked when the exercise loads", () => {
    const use = { probe: "security-headers", name: "Headers", advice: "Use res.setHeader.", paths: ["/"] };
    expect(paramsOf(use)).toEqual({ paths: ["/"] });
    expect(validateProbeUses([use])).toEqual([]);
    expect(validateProbeUses([{ ...use, advice: "" }])).toMatchObject([{ field: "advice" }]);
  });
});
