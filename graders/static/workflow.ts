import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from "yaml";

/** A GitHub Actions workflow: its data as plain JS, and the line of any node, for messages. */
export type Workflow = {
  data: Record<string, unknown>;
  /** 1-based line of the value at `path` (for a map key: the line of the key), or null. */
  line(path: (string | number)[]): number | null;
};

export type Job = { id: string; data: Record<string, unknown> };
export type Step = { job: string; index: number; data: Record<string, unknown>; line: number | null };

export function parseWorkflow(text: string): { ok: true; wf: Workflow } | { ok: false; message: string } {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0]?.line;
    const what = e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
    return {
      ok: false,
      message: `The workflow is not valid YAML${line ? ` (line ${line})` : ""}: ${what}. YAML is indentation-sensitive: check the spaces (not tabs) there.`,
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (err) {
    return { ok: false, message: `The workflow could not be read: ${(err as Error).message.split("\n")[0]}.` };
  }
  if (!isObject(data))
    return {
      ok: false,
      message: "The workflow is not a YAML mapping: it needs top-level keys such as name:, on: and jobs:.",
    };

  const line = (path: (string | number)[]): number | null => {
    let node: unknown = doc.contents;
    for (const [i, key] of path.entries()) {
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
        if (!pair) return null;
        if (last) return at((pair.key as { range?: [number, number, number] }).range?.[0]);
        node = pair.value;
      } else if (isSeq(node) && typeof key === "number") {
        node = node.items[key];
        if (last) return at((node as { range?: [number, number, number] } | undefined)?.range?.[0]);
      } else {
        return null;
      }
    }
    return null;
  };
  const at = (offset: number | undefined) => (offset === undefined ? null : counter.linePos(offset).line);
  return { ok: true, wf: { data, line } };
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function jobsOf(wf: Workflow): Job[] {
  const jobs = wf.data.jobs;
  if (!isObject(jobs)) return [];
  return Object.entries(jobs)
    .filter(([, j]) => isObject(j))
    .map(([id, j]) => ({ id, data: j as Record<string, unknown> }));
}

export function stepsOf(wf: Workflow, job: Job): Step[] {
  const steps = job.data.steps;
  if (!Array.isArray(steps)) return [];
  return steps.flatMap((s, index) =>
    isObject(s) ? [{ job: job.id, index, data: s, line: wf.line(["jobs", job.id, "steps", index]) }] : [],
  );
}

export function str(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : "";
}

/** "line 12" or "" when unknown. */
export function onLine(line: number | null): string {
  return line === null ? "" : `line ${line}`;
}
