import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse as parseYaml, parseDocument, stringify } from "yaml";
import { z } from "zod";
import { checkRelativePath } from "../files.ts";
import { cap, defineRule, type Rule, type RuleResult } from "./types.ts";

/** Debian's package `prometheus` ships it; `backlab setup` installs it. */
export const PROMTOOL = "/usr/bin/promtool";
const TIMEOUT_MS = 15_000;

const Params = z
  .object({
    /** A promtool unit-test file in the exercise (hidden), e.g. tests/fast-burn.test.yml. */
    tests: z.string().min(1).max(300),
    /** The scored test's title: what the file proves ("pages on a fast burn"). */
    name: z.string().min(3).max(120),
  })
  .strict();

/**
 * Runs Prometheus's own `promtool test rules` with the exercise's hidden unit-test file (its
 * input series, evaluation times and the alerts and samples it expects) over the learner's
 * rules file. promtool only reads the two files and evaluates PromQL in memory; it runs on
 * the host in a private scratch folder, without a shell, with an empty environment and a
 * timeout, so the rule stays within the static kind's promise: nothing of the submission runs.
 */
const promtoolTest = defineRule<z.infer<typeof Params>>({
  id: "prometheus/promtool-test",
  title: "passes promtool test rules",
  params: Params,
  titleFor: (p) => p.name,
  hidden: (p) => [path.dirname(checkRelativePath(p.tests, "tests").join("/"))],
  async run(text, params, ctx): Promise<RuleResult> {
    if (!fs.existsSync(PROMTOOL))
      throw new Error(`${PROMTOOL} is missing: run \`backlab setup\` (it installs the Debian package prometheus)`);
    const spec = parseYaml(fs.readFileSync(path.join(ctx.exerciseDir, params.tests), "utf8")) as Record<
      string,
      unknown
    >;
    // The learner's file is always rules.yml next to the test file; nothing else is read.
    spec.rule_files = ["rules.yml"];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-promtool-"));
    try {
      const rules = normalise(text);
      if (!rules.ok) return { pass: false, message: rules.message };
      fs.writeFileSync(path.join(dir, "rules.yml"), rules.text);
      fs.writeFileSync(path.join(dir, "test.yml"), stringify(spec));
      const timeout = Math.max(1000, Math.min(TIMEOUT_MS, ctx.deadline - Date.now()));
      const r = await run(["test", "rules", "test.yml"], dir, timeout);
      if (r.timedOut)
        return {
          pass: false,
          message: `promtool did not finish within ${timeout / 1000} s: is a rule's query unbounded?`,
        };
      if (r.code === 0) return { pass: true, message: `promtool test rules: ${params.name}: passed.` };
      return { pass: false, message: cap(`promtool test rules: ${explain(r.output)}`) };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
});

/**
 * The hidden tests name alerts by `alertname` and `severity` only: the learner's annotations
 * and other labels (runbook links, team, summary) are theirs to write, so they are removed
 * before promtool compares alerts (it compares every label and annotation exactly).
 */
function normalise(text: string): { ok: true; text: string } | { ok: false; message: string } {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length)
    return {
      ok: false,
      message: `The rules file is not valid YAML: ${doc.errors[0]!.message.split("\n")[0]}. Check the indentation (spaces, not tabs).`,
    };
  const data: unknown = doc.toJS({ maxAliasCount: 50 });
  const groups = isObj(data) && Array.isArray(data.groups) ? data.groups : null;
  if (!groups)
    return { ok: false, message: "The rules file needs a top-level groups: list, each group with a name: and rules:." };
  for (const g of groups)
    for (const r of isObj(g) && Array.isArray(g.rules) ? g.rules : [])
      if (isObj(r) && r.alert !== undefined) {
        delete r.annotations;
        const severity = isObj(r.labels) ? r.labels.severity : undefined;
        if (severity === undefined) delete r.labels;
        else r.labels = { severity };
      }
  return { ok: true, text: stringify(data) };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** promtool's report without its banner lines and scratch paths, the failure first. */
function explain(output: string): string {
  const lines = output
    .split("\n")
    .map((l) => l.replaceAll("test.yml", "the hidden test").replaceAll("rules.yml", "your rules file").trimEnd())
    .filter((l) => l.trim() !== "" && !/^Unit Testing:/.test(l) && l.trim() !== "FAILED:");
  return lines.join(" ").replace(/\s+/g, " ").trim() || "failed without a message.";
}

function run(
  args: string[],
  cwd: string,
  timeout: number,
): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(PROMTOOL, args, {
      cwd,
      env: { HOME: cwd, PATH: "/usr/bin:/bin" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const take = (b: Buffer) => {
      if (output.length < 64 * 1024) output += b.toString("utf8");
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeout);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      resolve({ code: -1, output: String(err), timedOut: false });
    });
  });
}

export const promtoolRules: Rule[] = [promtoolTest];
