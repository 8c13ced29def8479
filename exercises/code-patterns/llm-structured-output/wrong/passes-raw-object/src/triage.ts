import { z } from "zod";
import { MODEL_URL, requestBody } from "./model.ts";

const TIMEOUT_MS = Number(process.env.MODEL_TIMEOUT_MS ?? 2000);
const MAX_ATTEMPTS = Number(process.env.MODEL_MAX_ATTEMPTS ?? 3);
const BUDGET_MS = Number(process.env.TRIAGE_BUDGET_MS ?? 5000);

export const Triage = z.object({
  category: z.enum(["billing", "bug", "account", "other"]),
  priority: z.number().int().min(1).max(4),
  summary: z.string().min(1).max(200),
});
export type Triage = z.infer<typeof Triage>;
export type TriageResult = Triage & { source: "model" | "fallback" };

const FALLBACK: TriageResult = { category: "other", priority: 3, summary: "needs a human triage", source: "fallback" };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The model's text as a Triage, or null. Repairs what is cheap to repair: code fences, prose around the object. */
export function parseTriage(content: unknown): Triage | null {
  if (typeof content !== "string") return null;
  const start = content.indexOf("{");
  const end = content.lastIndexOf("}");
  if (start < 0 || end < start) return null;
  let value: unknown;
  try {
    value = JSON.parse(content.slice(start, end + 1));
  } catch {
    return null;
  }
  const parsed = Triage.safeParse(value); // unknown keys are stripped: only the schema goes on
  return parsed.success ? (value as Triage) : null;
}

type Attempt = { kind: "ok"; triage: Triage } | { kind: "retry" } | { kind: "wait"; ms: number } | { kind: "give-up" };

async function attempt(ticket: string, timeoutMs: number): Promise<Attempt> {
  let res: Response;
  let body: any;
  try {
    res = await fetch(MODEL_URL, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(requestBody(ticket)),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (res.status === 429) {
      const seconds = Number(res.headers.get("retry-after"));
      return { kind: "wait", ms: Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000 };
    }
    if (res.status >= 500) return { kind: "retry" };
    if (res.status !== 200) return { kind: "give-up" };
    body = JSON.parse(await res.text());
  } catch {
    return { kind: "retry" }; // network error, timeout, or a body that is not JSON
  }
  const choice = body?.choices?.[0];
  if (choice?.finish_reason !== "stop") return { kind: "retry" }; // "length": cut off
  const triage = parseTriage(choice?.message?.content);
  return triage ? { kind: "ok", triage } : { kind: "retry" };
}

/** At most MAX_ATTEMPTS calls within BUDGET_MS; anything else ends in the fallback. */
export async function triage(ticket: string): Promise<TriageResult> {
  const deadline = Date.now() + BUDGET_MS;
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    const result = await attempt(ticket, Math.min(TIMEOUT_MS, left));
    if (result.kind === "ok") return { ...result.triage, source: "model" };
    if (result.kind === "give-up") break;
    if (result.kind === "wait") {
      if (i === MAX_ATTEMPTS - 1 || result.ms >= deadline - Date.now()) break;
      await sleep(result.ms);
    }
  }
  return { ...FALLBACK };
}
