// The risk service that must approve every transfer before money moves: a service across the
// network at RISK_URL (the grader runs one; it answers in about 25 ms, or as slowly as it
// likes). Without RISK_URL (in your workspace), a simulation in this process answers instead.
// DO NOT CHANGE: the grader relies on its request and its limit.

/** Transfers above this are refused. */
export const RISK_LIMIT_CENTS = 1_000_000;
const LATENCY_MS = 25;

export const riskStats = { calls: 0, inFlight: 0, maxInFlight: 0 };

export async function approve(transfer: { from_account: number; to_account: number; amount_cents: number }): Promise<boolean> {
  riskStats.calls++;
  riskStats.inFlight++;
  riskStats.maxInFlight = Math.max(riskStats.maxInFlight, riskStats.inFlight);
  try {
    const url = process.env.RISK_URL;
    if (!url) {
      await new Promise((resolve) => setTimeout(resolve, LATENCY_MS));
      return transfer.amount_cents <= RISK_LIMIT_CENTS;
    }
    const res = await fetch(`${url.replace(/\/+$/, "")}/check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(transfer),
      signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok) throw new Error(`the risk service answered ${res.status}`);
    return ((await res.json()) as { approved?: unknown }).approved === true;
  } finally {
    riskStats.inFlight--;
  }
}
