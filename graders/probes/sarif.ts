/** Probe runs as SARIF 2.1.0 (`backlab probe --format sarif`), for code-scanning tools. */
import type { ProbeRun } from "./run.ts";

export function toSarif(runs: ProbeRun[], target: string): object {
  const rules = new Map<string, object>();
  const results: object[] = [];
  for (const r of runs) {
    if (!r.probe || r.result.status === "pass") continue;
    const finding = r.result.status === "fail";
    rules.set(r.probe.id, {
      id: r.probe.id,
      name: r.probe.title,
      shortDescription: { text: r.probe.title },
      properties: { tags: [r.probe.owasp, r.probe.cwe, "security"] },
    });
    results.push({
      ruleId: r.probe.id,
      // "could not run" is a note, never an error-level finding.
      level: finding ? "error" : "note",
      kind: finding ? "fail" : "notApplicable",
      message: { text: finding ? r.result.message : `could not run: ${r.result.message}` },
      locations: [{ physicalLocation: { artifactLocation: { uri: target } } }],
      properties: {
        owasp: r.probe.owasp,
        cwe: r.probe.cwe,
        ...(r.result.evidence ? { evidence: r.result.evidence } : {}),
        ...(r.result.advice ? { advice: r.result.advice } : {}),
      },
    });
  }
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [{ tool: { driver: { name: "backlab-probe", rules: [...rules.values()] } }, results }],
  };
}
