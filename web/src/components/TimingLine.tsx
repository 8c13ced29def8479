import type { Results } from "../api.ts";
import { timingSummary } from "./timing.ts";

/** A small line under the score: where the grading's time went. */
export function TimingLine({ result }: { result: Results }) {
  const text = timingSummary(result);
  return text ? (
    <p className="timing-line muted" data-testid="result-timing">
      {text}
    </p>
  ) : null;
}
