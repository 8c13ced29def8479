// The outbox relay: delivers unsent outbox rows, oldest first, and marks each one sent only
// after the shipping service acknowledged it. A crash between the two means the event goes
// out again after the restart - with the same Idempotency-Key (the row's id), so the
// shipping service sees a duplicate it can drop. At-least-once delivery plus deduplication
// by the receiver: exactly once in effect.
import type { Db } from "./db.ts";
import { deliver, type OrderPlaced } from "./publisher.ts";

type Row = { id: string; payload: OrderPlaced; attempts: number };

const BATCH = 20;
/** Backoff after a failed attempt: 100 ms doubling, at most 1 s. */
const backoffMs = (attempts: number) => Math.min(1000, 100 * 2 ** Math.min(attempts, 10));

export function startRelay(db: Db, opts: { intervalMs?: number } = {}) {
  const intervalMs = opts.intervalMs ?? 100;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  async function tick(): Promise<void> {
    const rows = (
      await db.query<Row>(
        `SELECT id, payload, attempts FROM outbox
          WHERE next_attempt_at <= now()
          ORDER BY created_at, id LIMIT $1`,
        [BATCH],
      )
    ).rows;
    for (const row of rows) {
      if (stopped) return;
      try {
        await deliver(row.payload, { "Idempotency-Key": row.id });
        await db.query("UPDATE outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1", [row.id]);
      } catch (err) {
        const wait = backoffMs(row.attempts);
        await db.query(
          "UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = now() + make_interval(secs => $3::float8 / 1000) WHERE id = $1",
          [row.id, String((err as Error).message).slice(0, 500), wait],
        );
        // The shipping service is struggling: leave the rest for the next tick rather than
        // hammering it with every pending event.
        return;
      }
    }
  }

  const loop = () => {
    if (stopped) return;
    running = tick()
      .catch((err: unknown) => console.error("outbox relay:", (err as Error).message))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, intervalMs);
      });
  };
  loop();

  return {
    /** Stops after the delivery in progress (for a graceful shutdown). */
    async stop(): Promise<void> {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
