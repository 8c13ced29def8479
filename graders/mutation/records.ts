import type { runCapped } from "../sandbox/exec.ts";

// The records the unit kind's reporter and progress files write, read the unit kind's way.
import { readVitestRecords, type VitestRecord } from "../unit/grader.ts";
export type { VitestRecord };
export { readVitestRecords };

type Run = Awaited<ReturnType<typeof runCapped>>;

/** One vitest run, summed up: what passed, what failed, and how the run ended. */
export type RunReport = {
  /** vitest started (the reporter's `init`). */
  started: boolean;
  /** Test id → full name, in file order. */
  names: Map<string, string>;
  total: number;
  passed: number;
  failed: { name: string; message: string | null }[];
  /** A test that started and never finished (the run was stopped while it ran). */
  running: string | null;
  moduleErrors: { file: string; message: string | null }[];
  unhandled: string | null;
  /** The reporter's `end` arrived: vitest finished on its own. */
  ended: boolean;
  timedOut: boolean;
  outputLimited: boolean;
  exit: Run["exit"];
  outputTail: string;
};

export function analyze(records: VitestRecord[], run: Run): RunReport {
  const collected = records
    .flatMap((r) => (r.type === "collected" ? [r] : []))
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const names = new Map<string, string>();
  for (const f of collected) for (const t of f.tests ?? []) names.set(String(t.id), String(t.name));
  const states = new Map<string, { state: string; message: string | null }>();
  for (const r of records) if (r.type === "result") states.set(r.id, { state: r.state, message: r.message });
  const started = new Set(records.flatMap((r) => (r.type === "start" ? [r.id] : [])));
  const end = records.find((r) => r.type === "end");
  const failed: RunReport["failed"] = [];
  let passed = 0;
  let running: string | null = null;
  for (const [id, name] of names) {
    const s = states.get(id);
    if (s?.state === "passed") passed++;
    else if (s?.state === "failed") failed.push({ name, message: s.message });
    else if (!s && started.has(id)) running ??= name;
  }
  return {
    started: records.some((r) => r.type === "init"),
    names,
    total: names.size,
    passed,
    failed,
    running,
    moduleErrors: records.flatMap((r) => (r.type === "module-error" ? [{ file: r.file, message: r.message }] : [])),
    unhandled: end?.unhandled ?? null,
    ended: end !== undefined,
    timedOut: run.exit.timedOut,
    outputLimited: run.outputLimited,
    exit: run.exit,
    outputTail: run.output.slice(-400),
  };
}
