// Hidden tests for "An LLM as a probabilistic dependency": the service triages tickets with a
// scripted model endpoint that answers well, slowly, cut off, off-schema or not at all.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUDGET_MS, calls, completion, MAX_ATTEMPTS, raw, script, slow, startModel, stopModel, TIMEOUT_MS, tooMany, triage } from "./support.ts";

const VALID = { category: "billing", priority: 2, summary: "Charged twice for the March invoice" };
const OTHER = { category: "bug", priority: 1, summary: "CSV export fails for every account" };
const FALLBACK_KEYS = ["category", "priority", "source", "summary"];
const said = (r: { status: number; text: string }) => `${r.status} ${r.text.slice(0, 300)}`;
const expectModel = (r: any, value: object) => expect(r.json, `POST /triage -> ${said(r)}`).toEqual({ ...value, source: "model" });
const expectFallback = (r: any) => {
  expect(r.status, `POST /triage -> ${said(r)}`).toBe(200);
  expect(r.json?.source, `the fallback must say source "fallback": ${said(r)}`).toBe("fallback");
  expect(Object.keys(r.json).sort(), `the fallback has the schema's fields only: ${said(r)}`).toEqual(FALLBACK_KEYS);
};

beforeAll(startModel);
afterAll(stopModel);

describe("validated output", () => {
  it("a valid answer is returned with source model, and an empty ticket is a 400 that never reaches the model", async () => {
    script([completion(JSON.stringify(VALID))]);
    const r = await triage("I was charged twice for March, please refund one.");
    expectModel(r, VALID);
    expect(calls.length, "one model call for one good answer").toBe(1);
    expect(JSON.stringify(calls[0]!.body), "the ticket must reach the model").toContain("charged twice for March");
    const empty = await triage("  ");
    expect(empty.status, `POST /triage with a blank ticket -> ${said(empty)}`).toBe(400);
    expect(calls.length, "a blank ticket must not cost a model call").toBe(1);
  }, 15_000); // generous: a busy grading machine is slow, the checks are on the times the tests measure

  it("an answer wrapped in a ```json fence with prose around it is repaired without calling the model again", async () => {
    script([completion("Sure! Here is the triage:\n```json\n" + JSON.stringify(OTHER, null, 2) + "\n```\nLet me know if you need more.")]);
    const r = await triage("Export to CSV is broken for all of us.");
    expectModel(r, OTHER);
    expect(calls.length, "a fenced answer is repaired, not retried").toBe(1);
  }, 15_000);

  it('an off-schema answer (a priority of "urgent", an unknown category) is retried and the valid second answer returned', async () => {
    script([completion(JSON.stringify({ category: "refund", priority: "urgent", summary: "Refund" })), completion(JSON.stringify(VALID))]);
    const r = await triage("Refund me now!");
    expectModel(r, VALID);
    expect(calls.length).toBe(2);
  }, 15_000);

  it("fields the schema does not know are never passed on", async () => {
    script([completion(JSON.stringify({ ...VALID, assignee: "root", refund_usd: 5000, priority: 2 }))]);
    const r = await triage("Charged twice.");
    expect(r.status, said(r)).toBe(200);
    expect(Object.keys(r.json ?? {}).sort(), `only category, priority, summary and source may reach the client: ${said(r)}`).toEqual(FALLBACK_KEYS);
  }, 15_000);
});

describe("malformed answers and the attempt budget", () => {
  it("a truncated answer (finish_reason length) and a body that is not JSON are retried", async () => {
    script([completion('{"category": "bug", "priority": 2, "summ', "length"), raw(200, "<html>upstream hiccup</html>", { "content-type": "text/html" }), completion(JSON.stringify(OTHER))]);
    const r = await triage("The export button does nothing.");
    expectModel(r, OTHER);
    expect(calls.length).toBe(3);
  }, 15_000);

  it("MODEL_MAX_ATTEMPTS invalid answers end in the fallback after exactly that many calls", async () => {
    script([completion("I think this is a billing issue."), completion('{"category": "bug"}'), completion(JSON.stringify({ ...VALID, priority: 9 })), completion(JSON.stringify(VALID))]);
    const r = await triage("Something is wrong.");
    expectFallback(r);
    expect(calls.length, `at most MODEL_MAX_ATTEMPTS (${MAX_ATTEMPTS}) calls`).toBe(MAX_ATTEMPTS);
  }, 15_000);
});

describe("timeouts, rate limits and the time budget", () => {
  it("a model slower than MODEL_TIMEOUT_MS is abandoned and retried", async () => {
    script([slow(2500, completion(JSON.stringify(VALID))), completion(JSON.stringify(OTHER))]);
    const r = await triage("My invoice is wrong.");
    expectModel(r, OTHER);
    expect(calls.length).toBe(2);
    expect(r.ms, `the first call must be given up after MODEL_TIMEOUT_MS (${TIMEOUT_MS} ms)`).toBeLessThan(TIMEOUT_MS + 1000);
  }, 15_000);

  it("a 429 is retried after its Retry-After when that fits in the budget, and ends in the fallback at once when it does not", async () => {
    script([tooMany(1), completion(JSON.stringify(VALID))]);
    const r = await triage("Billing question.");
    expectModel(r, VALID);
    expect(calls.length).toBe(2);
    expect(calls[1]!.at - calls[0]!.at, "Retry-After: 1 means waiting a second before the next call").toBeGreaterThanOrEqual(950);
    script([tooMany(30), completion(JSON.stringify(VALID))]);
    const late = await triage("Billing question again.");
    expectFallback(late);
    expect(calls.length, "Retry-After: 30 is past the budget: no second call").toBe(1);
    expect(late.ms, "falling back must not wait for a retry that cannot happen").toBeLessThan(1000);
  }, 15_000);

  it("a 503 is retried, a 400 is not", async () => {
    script([raw(503, "overloaded"), completion(JSON.stringify(VALID))]);
    expectModel(await triage("Charged twice."), VALID);
    expect(calls.length).toBe(2);
    script([raw(400, '{"error":"context_length_exceeded"}'), completion(JSON.stringify(VALID))]);
    expectFallback(await triage("Charged twice, again."));
    expect(calls.length, "a 400 will not get better by asking again").toBe(1);
  }, 15_000);

  it("a model that never answers in time ends in the fallback within TRIAGE_BUDGET_MS", async () => {
    const hung = slow(3000, completion(JSON.stringify(VALID)));
    script([hung, hung, hung, hung]);
    const r = await triage("Hello?");
    expectFallback(r);
    expect(r.ms, `the whole request must end within TRIAGE_BUDGET_MS (${BUDGET_MS} ms), attempts cut to the time left`).toBeLessThan(BUDGET_MS + 300);
  }, 15_000);
});
