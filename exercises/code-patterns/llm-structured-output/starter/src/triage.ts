import { MODEL_URL, requestBody } from "./model.ts";

export type TriageResult = {
  category: "billing" | "bug" | "account" | "other";
  priority: 1 | 2 | 3 | 4;
  summary: string;
  source: "model" | "fallback";
};

export async function triage(ticket: string): Promise<TriageResult> {
  const res = await fetch(MODEL_URL, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(requestBody(ticket)),
  });
  const body = await res.json();
  return { ...JSON.parse(body.choices[0].message.content), source: "model" };
}
