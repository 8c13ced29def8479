import { describe, expect, it } from "vitest";
import { probeCommand, probeList } from "./cli.ts";
import { exampleFor, paramsHelp, shapeOf, typedValue } from "./cli-schema.ts";
import { PROBES } from "./index.ts";

describe("probe help from the probes' own schemas", () => {
  it("every parameter of every probe has an example its schema accepts", () => {
    const missing: string[] = [];
    const refused: string[] = [];
    for (const p of PROBES.values())
      for (const [key, schema] of Object.entries(shapeOf(p.params) ?? {})) {
        const ex = exampleFor(p.id, key);
        if (ex === undefined) missing.push(`${p.id}.${key}`);
        else if (!schema.safeParse(ex).success) refused.push(`${p.id}.${key}`);
      }
    expect(missing).toEqual([]);
    expect(refused).toEqual([]);
  });

  it("--help and --list name each probe's parameters with an example", async () => {
    const out: string[] = [];
    expect(await probeCommand(["--help"], { out: (s) => out.push(s), err: (s) => out.push(s) })).toBe(0);
    const help = out.join("");
    expect(help).toMatch(/--cookie/);
    for (const p of PROBES.values()) {
      expect(help).toContain(p.id);
      for (const line of paramsHelp(p)) expect(help).toContain(line);
    }
    expect(probeList()).toMatch(/^ {4}known \(string, required\) {2}e\.g\. --param known=welcome$/m);
    expect(probeList()).toMatch(
      /^ {4}request \(request, required\) {2}e\.g\. --param 'request\.path=\/search\?q=\{payload\}'$/m,
    );
    expect(probeList()).toMatch(/^ {4}attempts \(number, default 30\)/m);
  });

  it("values are typed by the schema: text stays text, numbers and lists are JSON", () => {
    const sqli = PROBES.get("sqli")!.params;
    expect(typedValue(sqli, "known", "1")).toBe("1");
    expect(typedValue(sqli, "known", "true")).toBe("true");
    expect(typedValue(sqli, "delay_seconds", "3")).toBe(3);
    expect(typedValue(sqli, "techniques", '["time"]')).toEqual(["time"]);
    expect(typedValue(sqli, "request.path", "/s?q={payload}")).toBe("/s?q={payload}");
    expect(typedValue(sqli, "auth.users", '[{"username":"1","password":"2"}]')).toEqual([
      { username: "1", password: "2" },
    ]);
    const lrl = PROBES.get("login-rate-limit")!.params;
    expect(typedValue(lrl, "username", "12345")).toBe("12345");
    expect(typedValue(lrl, "attempts", "10")).toBe(10);
  });
});
