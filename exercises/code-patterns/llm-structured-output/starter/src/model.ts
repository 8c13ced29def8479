// The model endpoint: an OpenAI-style chat completion. Nothing it answers is trusted.
export const MODEL_URL = process.env.MODEL_URL ?? "http://127.0.0.1:8080/v1/chat/completions";

export const SYSTEM_PROMPT = `You triage customer support tickets. Answer with one JSON object and nothing else:
{"category": "billing" | "bug" | "account" | "other", "priority": 1 | 2 | 3 | 4, "summary": "<at most 200 characters>"}
Priority 1 is the most urgent.`;

export function requestBody(ticket: string) {
  return {
    model: "triage-small",
    messages: [
      { role: "system", content: SYSTEM_PROMPT },
      { role: "user", content: ticket },
    ],
    response_format: { type: "json_object" },
    temperature: 0,
  };
}
