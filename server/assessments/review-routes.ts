import path from "node:path";
import { z } from "zod";
import { badRequest } from "../errors.ts";
import { roles, route, type Route } from "../http/routes.ts";
import type { Hiring } from "./hiring.ts";
import { Review, type BoardRow } from "./review.ts";
import { reviewerOf } from "./routes.ts";
import { ByAssessment, ByCandidate, Decision } from "./schema.ts";
import { compare, FLAG_AT, type SimilarPair } from "./similarity.ts";

const SORTABLE = ["pseudonym", "status", "timeUsedMs", "score", "rubricAverage", "decision", "flags"] as const;
const BoardQuery = z
  .object({ sort: z.enum(SORTABLE).default("pseudonym"), order: z.enum(["asc", "desc"]).default("asc") })
  .strict();
const RubricBody = z
  .object({
    scores: z
      .array(
        z
          .object({
            criterion: z.number().int().min(0).max(19),
            score: z.number().int().min(1).max(5),
            note: z.string().trim().max(2000).optional(),
          })
          .strict(),
      )
      .min(1)
      .max(20),
  })
  .strict();
const DecisionBody = z.object({ decision: Decision, comment: z.string().trim().min(1).max(2000) }).strict();

const Scores = z.record(z.string(), z.object({ score: z.number(), max: z.number() }));
const BoardRowOut = z.object({
  id: z.number().int(),
  pseudonym: z.string(),
  name: z.string().nullable(),
  status: z.string(),
  startedAt: z.string().nullable(),
  timeUsedMs: z.number().nullable(),
  score: z.number().nullable(),
  maxScore: z.number().nullable(),
  categories: Scores,
  flags: z.array(z.string()),
  rubricAverage: z.number().nullable(),
  decision: z.string().nullable(),
});
const Side = z.object({ startRow: z.number(), endRow: z.number(), text: z.string() });
const PairOut = z.object({
  exerciseId: z.string(),
  left: z.string(),
  right: z.string(),
  similarity: z.number(),
  longest: z.number(),
  flagged: z.boolean(),
  fragments: z.array(z.object({ left: Side, right: Side })),
});

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? "" : String(v);
  // A leading =, +, - or @ would run as a formula in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

type Deps = { hiring: Hiring; review: Review };

/** What reviewers see and do: the board, exports, a candidate in full, similarity, rubric, decision, the signed record. */
export function reviewRoutes(deps: Deps): Route[] {
  const { hiring, review } = deps;
  const auth = reviewerOf();
  const member = (i: { params: { id: number } }) => hiring.assessments.reviewerIds(i.params.id);
  const cache = new Map<number, { key: string; pairs: (SimilarPair & { exerciseId: string })[] }>();

  /** Every pair of authors per exercise (candidates' final code and the reference solution), recomputed when a final changes. */
  const similarity = async (assessmentId: number) => {
    const a = hiring.assessments.get(assessmentId);
    const candidates = hiring.candidates.list(assessmentId).filter((c) => c.finalized_at);
    const finals = candidates.flatMap((c) => review.finals(c.id).map((f) => ({ c, f })));
    const key = finals.map(({ f }) => f.submission_id).join(",");
    const hit = cache.get(assessmentId);
    if (hit && hit.key === key) return hit.pairs;
    const pairs: (SimilarPair & { exerciseId: string })[] = [];
    for (const x of a.exercises) {
      const exercise = hiring.exercise(x.id);
      if (!exercise) continue;
      const sources = finals
        .filter(({ f }) => f.exercise_id === x.id)
        .map(({ c, f }) => ({ id: c.pseudonym, dir: hiring.snapshotDir(f.submission_id) }));
      if (!sources.length) continue;
      sources.push({ id: "solution", dir: path.join(exercise.dir, "solution") });
      for (const p of await compare(exercise, sources)) pairs.push({ ...p, exerciseId: x.id });
    }
    cache.set(assessmentId, { key, pairs });
    return pairs;
  };
  /** Per candidate, their highest flagged similarity with another candidate or the solution. */
  const flagsOf = async (assessmentId: number) => {
    const byPseudonym = new Map(hiring.candidates.list(assessmentId).map((c) => [c.pseudonym, c.id]));
    const out = new Map<number, number>();
    for (const p of await similarity(assessmentId)) {
      if (p.similarity < FLAG_AT) continue;
      for (const who of [p.left, p.right]) {
        const id = byPseudonym.get(who);
        if (id !== undefined) out.set(id, Math.max(out.get(id) ?? 0, p.similarity));
      }
    }
    return out;
  };
  const sorted = (rows: BoardRow[], sort: (typeof SORTABLE)[number], order: "asc" | "desc") => {
    const val = (r: BoardRow) => (sort === "flags" ? r.flags.length : r[sort]);
    return rows.sort((x, y) => {
      const a = val(x);
      const b = val(y);
      const c = a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1;
      return order === "asc" ? c : -c;
    });
  };

  return [
    route({
      method: "get",
      path: "/assessments/:id/candidates",
      scope: "assessments:read",
      summary:
        "The board: every candidate with status, time used, score by category, flags, rubric average, decision; names hidden until a decision",
      tag: "assessments",
      auth,
      ownerOf: member,
      input: { ...ByAssessment, query: BoardQuery },
      response: z.object({ candidates: z.array(BoardRowOut) }),
      handler: async ({ input, me }) => ({
        candidates: sorted(
          review.board(input.params.id, me, await flagsOf(input.params.id)),
          input.query.sort,
          input.query.order,
        ),
      }),
    }),
    route({
      method: "get",
      path: "/assessments/:id/export",
      scope: "assessments:read",
      summary: "The board as CSV or JSON (names only where a decision was recorded)",
      tag: "assessments",
      auth,
      ownerOf: member,
      input: { ...ByAssessment, query: z.object({ format: z.enum(["csv", "json"]).default("csv") }).strict() },
      produces: "text/csv",
      handler: async ({ input, me, res }) => {
        const rows = review.board(input.params.id, me, await flagsOf(input.params.id));
        hiring.assessments.audit(input.params.id, null, me.id, "exported", input.query.format);
        const name = `assessment-${input.params.id}`;
        if (input.query.format === "json") {
          res.setHeader("Content-Disposition", `attachment; filename="${name}.json"`);
          res.type("application/json").send(JSON.stringify({ candidates: rows }, null, 2));
          return;
        }
        const categories = [...new Set(rows.flatMap((r) => Object.keys(r.categories)))].sort();
        const header = [
          "candidate",
          "name",
          "status",
          "started_at",
          "minutes_used",
          "score",
          "max_score",
          ...categories.map((c) => `${c}_score`),
          "flags",
          "rubric_average",
          "decision",
        ];
        const lines = rows.map((r) =>
          [
            r.pseudonym,
            r.name,
            r.status,
            r.startedAt,
            r.timeUsedMs === null ? null : (r.timeUsedMs / 60_000).toFixed(1),
            r.score,
            r.maxScore,
            ...categories.map((c) => r.categories[c]?.score ?? null),
            r.flags.join("; "),
            r.rubricAverage,
            r.decision,
          ]
            .map(csvCell)
            .join(","),
        );
        res.setHeader("Content-Disposition", `attachment; filename="${name}.csv"`);
        res.type("text/csv").send([header.join(","), ...lines].join("\r\n") + "\r\n");
      },
    }),
    route({
      method: "get",
      path: "/assessments/:id/candidates/:candidateId",
      summary:
        "One candidate: scores by category, every hidden test with its message, the code against the starter, the timeline, recordings, rubric, decision, the signed record",
      tag: "assessments",
      auth,
      ownerOf: member,
      input: ByCandidate,
      response: z.looseObject({
        candidate: BoardRowOut.loose(),
        timeline: z.array(z.looseObject({ at: z.string(), kind: z.string() })),
      }),
      handler: ({ input, me }) => review.detail(input.params.id, input.params.candidateId, me),
    }),
    route({
      method: "get",
      path: "/assessments/:id/similarity",
      summary:
        "Similarity of every pair of candidates (and the reference solution) per exercise, starter code ignored, with the matching fragments of both sides (Dolos)",
      tag: "assessments",
      auth,
      ownerOf: member,
      input: ByAssessment,
      response: z.object({ threshold: z.number(), pairs: z.array(PairOut) }),
      handler: async ({ input }) => ({
        threshold: FLAG_AT,
        pairs: (await similarity(input.params.id))
          .map((p) => ({ ...p, flagged: p.similarity >= FLAG_AT }))
          .sort((a, b) => b.similarity - a.similarity),
      }),
    }),
    route({
      method: "put",
      path: "/assessments/:id/candidates/:candidateId/rubric",
      summary:
        "The caller's rubric scores for the candidate (1–5 per criterion, with notes); each reviewer scores on their own",
      tag: "assessments",
      auth,
      ownerOf: member,
      input: { ...ByCandidate, body: RubricBody },
      handler: ({ input, me }) => {
        review.scoreRubric(input.params.id, input.params.candidateId, input.body.scores, me);
      },
    }),
    route({
      method: "put",
      path: "/assessments/:id/candidates/:candidateId/decision",
      summary: "Record a decision (advance, hold, reject) with a comment; the candidate's name shows from then on",
      tag: "assessments",
      auth,
      ownerOf: member,
      input: { ...ByCandidate, body: DecisionBody },
      handler: ({ input, me }) => {
        review.decide(input.params.id, input.params.candidateId, input.body.decision, input.body.comment, me);
      },
    }),
    route({
      method: "post",
      path: "/assessments/record/verify",
      summary:
        "Check a candidate's signed record (start, deadline, extensions, final snapshots' hashes) against the lab's key",
      tag: "assessments",
      auth: roles("admin", "instructor"),
      input: {
        body: z
          .object({ body: z.string().min(2).max(100_000), signature: z.string().regex(/^[0-9a-f]{64}$/) })
          .strict(),
      },
      response: z.object({ valid: z.boolean() }),
      handler: ({ input }) => {
        try {
          JSON.parse(input.body.body);
        } catch {
          throw badRequest("The record's body is not JSON.");
        }
        return { valid: review.verifyRecord(input.body.body, input.body.signature) };
      },
    }),
  ];
}
