import { context, trace, SpanStatusCode, type SpanContext, type Tracer } from "@opentelemetry/api";
import type { Results } from "../../graders/results.ts";
import { activeSpanContext, contextFrom } from "../tracing/context.ts";
import type { Row } from "./rows.ts";

/** At most this many submissions wait with a remembered parent span (the oldest is dropped). */
const MAX_PARENTS = 10_000;

/**
 * A grading's trace: one `grading` span from the submission's creation to its stored result,
 * a child of the request that submitted it (remembered across the queue; a lab that
 * restarted meanwhile starts a new trace), with a child span per phase the engine timed —
 * the queue, sandbox start and stop, build, boot, each test file, each step.
 */
export class GradingTraces {
  private parents = new Map<number, SpanContext>();

  constructor(private tracer: Tracer) {}

  /** Called in the submitting request: its span becomes the grading's parent. */
  remember(submissionId: number): void {
    const sc = activeSpanContext();
    if (!sc) return;
    if (this.parents.size >= MAX_PARENTS) this.parents.delete(this.parents.keys().next().value!);
    this.parents.set(submissionId, sc);
  }

  async run(row: Row, grade: () => Promise<{ result: Results; startedAt: number }>): Promise<void> {
    const parent = contextFrom(this.parents.get(row.id));
    this.parents.delete(row.id);
    const span = this.tracer.startSpan(
      "grading",
      {
        startTime: Date.parse(row.created_at),
        attributes: { "backlab.submission.id": row.id, "backlab.exercise.id": row.exercise_id },
      },
      parent,
    );
    const inside = trace.setSpan(parent, span);
    try {
      const { result, startedAt } = await context.with(inside, grade);
      span.setAttributes({
        "backlab.grading.status": result.status,
        "backlab.grading.score": result.score,
        "backlab.grading.max_score": result.max_score,
      });
      if (result.status === "error")
        span.setStatus({ code: SpanStatusCode.ERROR, message: result.message ?? undefined });
      for (const p of result.timing?.phases ?? []) {
        const start = startedAt + p.start_ms;
        this.tracer
          .startSpan(
            p.label ? `${p.phase} ${p.label}` : p.phase,
            {
              startTime: start,
              attributes: { "backlab.phase": p.phase, ...(p.step !== null ? { "backlab.step": p.step } : {}) },
            },
            inside,
          )
          .end(start + p.ms);
      }
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  }
}
