/**
 * Runs probe uses and prints the runs as JSON, for a grader that must run the probes inside
 * a sandbox sharing the service's network (the host cannot reach a sandbox's loopback):
 *
 *   tsx graders/probes/main.ts <base-url> <uses.json | -> [--budget-ms N]
 *
 * stdout: ProbeRun[] as JSON. Exit 0 when the probes ran (whatever they found), 2 on a usage
 * error or a base URL that is not loopback. Needs only node and zod.
 */
import fs from "node:fs";
import { pathToFileURL } from "node:url";
import { assertLoopbackUrl } from "./http.ts";
import { runProbes, validateProbeUses, type ProbeUse } from "./run.ts";

export async function main(argv: string[]): Promise<number> {
  const [url, file, ...rest] = argv;
  const budgetAt = rest.indexOf("--budget-ms");
  const budgetMs = budgetAt >= 0 ? Number(rest[budgetAt + 1]) : 10_000;
  if (!url || !file || !(budgetMs >= 100 && budgetMs <= 120_000)) {
    process.stderr.write("usage: main.ts <base-url> <uses.json | -> [--budget-ms N]\n");
    return 2;
  }
  try {
    assertLoopbackUrl(url);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  let uses: unknown;
  try {
    uses = JSON.parse(fs.readFileSync(file === "-" ? 0 : file, "utf8"));
  } catch (e) {
    process.stderr.write(`cannot read the uses: ${(e as Error).message}\n`);
    return 2;
  }
  if (!Array.isArray(uses)) {
    process.stderr.write("the uses must be a JSON array of { probe, ...params }\n");
    return 2;
  }
  const problems = validateProbeUses(uses);
  if (problems.length) {
    for (const p of problems) process.stderr.write(`probes[${p.index}] ${p.probe}: ${p.field}: ${p.message}\n`);
    return 2;
  }
  const runs = await runProbes(url, uses as ProbeUse[], { budgetMs });
  process.stdout.write(JSON.stringify(runs) + "\n");
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(2);
    },
  );
}
