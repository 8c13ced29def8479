// A minimal Prometheus client: counters and histograms in the text exposition format 0.0.4.
// https://prometheus.io/docs/instrumenting/exposition_formats/

type Labels = Record<string, string>;

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
const formatValue = (v: number) => (v === Infinity ? "+Inf" : v === -Infinity ? "-Inf" : Number.isNaN(v) ? "NaN" : String(v));

function labelText(names: readonly string[], values: readonly string[], extra = ""): string {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i]!)}"`);
  if (extra) parts.push(extra);
  return parts.length ? `{${parts.join(",")}}` : "";
}

interface Metric {
  render(): string;
}

abstract class Family<S> implements Metric {
  protected readonly series = new Map<string, { values: string[]; state: S }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    private readonly type: "counter" | "histogram",
  ) {}

  protected get(labels: Labels, init: () => S): S {
    const values = this.labelNames.map((n) => {
      const v = labels[n];
      if (v === undefined) throw new Error(`${this.name}: missing label ${n}`);
      return v;
    });
    const key = JSON.stringify(values);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { values, state: init() }));
    return s.state;
  }

  protected abstract samples(values: string[], state: S): string[];

  render(): string {
    const lines = [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
    for (const { values, state } of this.series.values()) lines.push(...this.samples(values, state));
    return lines.join("\n") + "\n";
  }
}

export class Counter extends Family<{ value: number }> {
  constructor(name: string, help: string, labelNames: readonly string[]) {
    super(name, help, labelNames, "counter");
  }
  inc(labels: Labels, by = 1): void {
    if (!(by >= 0)) throw new Error("a counter only goes up");
    this.get(labels, () => ({ value: 0 })).value += by;
  }
  protected samples(values: string[], s: { value: number }): string[] {
    return [`${this.name}${labelText(this.labelNames, values)} ${formatValue(s.value)}`];
  }
}

type HistogramState = { counts: number[]; sum: number; count: number };

export class Histogram extends Family<HistogramState> {
  readonly buckets: number[];
  constructor(name: string, help: string, labelNames: readonly string[], buckets: number[]) {
    super(name, help, labelNames, "histogram");
    this.buckets = [...buckets].sort((a, b) => a - b);
  }
  observe(labels: Labels, value: number): void {
    const s = this.get(labels, () => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    // Non-cumulative per bucket here; rendering makes them cumulative.
    const i = this.buckets.findIndex((le) => value <= le);
    if (i >= 0) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  protected samples(values: string[], s: HistogramState): string[] {
    const out: string[] = [];
    this.buckets.forEach((le, i) => {
      out.push(`${this.name}_bucket${labelText(this.labelNames, values, `le="${formatValue(le)}"`)} ${s.counts[i]!}`);
    });
    out.push(`${this.name}_bucket${labelText(this.labelNames, values, 'le="+Inf"')} ${s.count}`);
    out.push(`${this.name}_sum${labelText(this.labelNames, values)} ${formatValue(s.sum)}`);
    out.push(`${this.name}_count${labelText(this.labelNames, values)} ${s.count}`);
    return out;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  register<M extends Metric>(m: M): M {
    this.metrics.push(m);
    return m;
  }
  render(): string {
    return this.metrics.map((m) => m.render()).join("");
  }
}

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export const registry = new Registry();

export const httpRequests = registry.register(new Counter("http_requests_total", "HTTP requests handled, by method, route template and status code.", ["method", "route", "status"]));

export const httpDuration = registry.register(
  new Histogram("http_request_duration_seconds", "Time to handle an HTTP request, in seconds, by method and route template.", ["method", "route"], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
);
