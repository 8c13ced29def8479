/** One line of the report. Distributions carry p50/p95/n; single figures carry `value`. */
export type Row = {
  driver: string;
  metric: string;
  unit: string;
  p50?: number;
  p95?: number;
  value?: number | string;
  n?: number;
  /** The target, in words, and whether this run met it (never an exit code). */
  target?: string;
  met?: boolean;
  note?: string;
  /** Grading rows: p50/p95 of each phase of the breakdown (graders/results.ts), JSON only. */
  phases?: Record<string, { p50: number; p95: number; n: number }>;
  /** Grading rows on bwrap: p50/p95 of the sandboxes' CPU time per grading (ms), JSON only. */
  cpu?: { p50: number; p95: number; n: number };
  error?: string;
};

const fmt = (v: number | string | undefined, unit: string) =>
  v === undefined || (typeof v === "number" && Number.isNaN(v)) ? "—" : `${v} ${unit}`;

/** A plain-text table: driver, metric, p50 (or the value), p95, n, sandbox CPU p50 (grading rows), target, met, note. */
export function table(rows: Row[]): string {
  const cells = rows.map((r) =>
    r.error
      ? [r.driver, r.metric, "ERROR", "", "", "", r.target ?? "", r.target ? "no" : "", r.error]
      : [
          r.driver,
          r.metric,
          fmt(r.p50 ?? r.value, r.unit),
          r.p50 !== undefined ? fmt(r.p95, r.unit) : "",
          r.n === undefined ? "" : String(r.n),
          r.cpu ? fmt(Math.round(r.cpu.p50), "ms") : "",
          r.target ?? "",
          r.met === undefined ? "" : r.met ? "yes" : "NO",
          r.note ?? "",
        ],
  );
  const head = ["driver", "metric", "p50 / value", "p95", "n", "CPU p50", "target", "met", "note"];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const right = new Set([2, 3, 4, 5]);
  const line = (c: string[]) =>
    c
      .map((x, i) => (right.has(i) ? x.padStart(widths[i]!) : x.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n") + "\n";
}
