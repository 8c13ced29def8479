// The risk service that must approve every transfer before money moves, simulated in-process:
// it answers after 25 ms, like a service across the network would.
// DO NOT CHANGE: the grader relies on its delay, its limit and its counters.

/** Transfers above this are refused. */
export const RISK_LIMIT_CENTS = 1_000_000;
const LATENCY_MS = 25;

export const riskStats = { calls: 0, inFlight: 0, maxInFlight: 0 };

export async function approve(transfer: { from_account: number; to_account: number; amount_cents: number }): Promise<boolean> {
  riskStats.calls++;
  riskStats.inFlight++;
  riskStats.maxInFlight = Math.max(riskStats.maxInFlight, riskStats.inFlight);
  try {
    await new Promise((resolve) => setTimeout(resolve, LATENCY_MS));
    return transfer.amount_cents <= RISK_LIMIT_CENTS;
  } finally {
    riskStats.inFlight--;
  }
}
