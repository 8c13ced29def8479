import { z } from "zod";
import type { User } from "../accounts/schema.ts";
import { SESSION_COOKIE, parseCookies, type Accounts } from "../accounts/service.ts";
import type { Database } from "../db/database.ts";
import { Problem } from "../errors.ts";
import { rateLimit } from "../http/guards.ts";
import { anyone, roles, route, type Route } from "../http/routes.ts";
import type { CandidateRow } from "./candidates.ts";
import { GRACE_MS, deadlineOf } from "./clock.ts";
import type { Hiring } from "./hiring.ts";
import { statusOf } from "./invite-routes.ts";
import { ClaimBody, CandidateStatus, Visibility } from "./schema.ts";

/** At most this many timeline events per candidate are kept (the page reports a few per minute). */
export const MAX_EVENTS = 5000;

const Path = z.string().min(1).max(400);
/** What the candidate's page reports; the server stamps the time, the page's clock is not trusted. */
export const TimelineEvent = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("save"),
      exerciseId: z.string().max(64),
      path: Path,
      bytes: z
        .number()
        .int()
        .min(0)
        .max(1 << 30)
        .optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("insert"),
      exerciseId: z.string().max(64),
      path: Path,
      chars: z
        .number()
        .int()
        .min(0)
        .max(1 << 30),
    })
    .strict(),
  z
    .object({
      kind: z.literal("paste"),
      exerciseId: z.string().max(64),
      path: Path.optional(),
      chars: z
        .number()
        .int()
        .min(0)
        .max(1 << 30),
    })
    .strict(),
  z.object({ kind: z.literal("blur") }).strict(),
  z.object({ kind: z.literal("focus") }).strict(),
]);
const EventsBody = z.object({ events: z.array(TimelineEvent).min(1).max(50) }).strict();

const StateOut = z.object({
  assessment: z.object({
    title: z.string(),
    durationMinutes: z.number(),
    opensAt: z.string(),
    closesAt: z.string(),
    visibility: Visibility,
    feedbackSubmissions: z.number(),
    hintsAllowed: z.boolean(),
    exercises: z.array(
      z.object({
        id: z.string(),
        title: z.string(),
        maxScore: z.number(),
        categories: z.array(z.string()),
        feedbackLeft: z.number(),
      }),
    ),
  }),
  candidate: z.object({
    pseudonym: z.string(),
    status: CandidateStatus,
    startedAt: z.string().nullable(),
    baseDeadline: z.string().nullable(),
    deadline: z.string().nullable(),
    extraMinutes: z.number(),
    timeFactor: z.number(),
    finishedAt: z.string().nullable(),
    finishReason: z.string().nullable(),
  }),
  /** The server's clock when this was answered: the page counts down from it, not from its own. */
  serverNow: z.string(),
  remainingMs: z.number().nullable(),
  graceMs: z.number(),
});

type Deps = { hiring: Hiring; accounts: Accounts; db: Database; secureCookies: boolean };

/** The candidate's side: claim a link, the welcome page and timer, Start, hand in, the timeline. */
export function candidateRoutes(deps: Deps): Route[] {
  const { hiring } = deps;
  const cookie = { httpOnly: true, sameSite: "lax", secure: deps.secureCookies, path: "/" } as const;
  const perIp = rateLimit({ windowMs: 60_000, max: 30, key: (req) => `claim:${req.ip}` });
  const mine = (me: User): CandidateRow => {
    const c = hiring.candidateOf(me);
    if (!c) throw new Problem(404, "not-found", "Not found", "No assessment for this account.");
    return c;
  };

  const state = (c: CandidateRow): z.infer<typeof StateOut> => {
    const a = hiring.assessments.get(c.assessment_id);
    const row = hiring.assessments.row(c.assessment_id)!;
    const now = Date.now();
    return {
      assessment: {
        title: a.title,
        durationMinutes: a.durationMinutes,
        opensAt: a.opensAt,
        closesAt: a.closesAt,
        visibility: a.visibility,
        feedbackSubmissions: a.feedbackSubmissions,
        hintsAllowed: a.hintsAllowed,
        exercises: a.exercises.map((x) => {
          const e = hiring.exercise(x.id);
          const left =
            c.user_id === null
              ? a.feedbackSubmissions
              : Math.max(0, a.feedbackSubmissions - hiring.feedbackUsed(c.user_id, x.id));
          return {
            id: x.id,
            title: x.title,
            maxScore: e?.maxScore ?? 0,
            categories: [...new Set(e?.grader.steps.map((s) => s.category) ?? [])],
            feedbackLeft: left,
          };
        }),
      },
      candidate: {
        pseudonym: c.pseudonym,
        status: statusOf(c),
        startedAt: c.started_at,
        baseDeadline: c.started_at ? deadlineOf(row, { ...c, extra_minutes: 0, time_factor: 1 }).toISOString() : null,
        deadline: c.deadline_at,
        extraMinutes: c.extra_minutes,
        timeFactor: c.time_factor,
        finishedAt: c.finished_at,
        finishReason: c.finish_reason,
      },
      serverNow: new Date(now).toISOString(),
      remainingMs: c.deadline_at && !c.finished_at ? Math.max(0, Date.parse(c.deadline_at) - now) : null,
      graceMs: GRACE_MS,
    };
  };
  const candidateOnly = roles("candidate");

  return [
    route({
      method: "post",
      path: "/assessment-invites/claim",
      summary:
        "Claim an invite or public link: signs the candidate in to their assessment (a link works once; 410 when used, expired or revoked)",
      tag: "candidate",
      auth: anyone,
      candidates: true,
      before: [perIp],
      input: { body: ClaimBody },
      response: z.object({
        user: z.object({
          id: z.number().int(),
          email: z.string(),
          displayName: z.string(),
          role: z.literal("candidate"),
        }),
        csrfToken: z.string(),
      }),
      handler: ({ input, req, res }) => {
        const { userId, candidate } = hiring.candidates.claim(input.body.token);
        deps.accounts.sessions.end(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
        const s = deps.accounts.sessions.create(userId, req.headers["user-agent"]);
        res.cookie(SESSION_COOKIE, s.token, { ...cookie, expires: s.expires });
        hiring.assessments.audit(candidate.assessment_id, candidate.id, userId, "link-claimed");
        return {
          user: {
            id: userId,
            email: `${candidate.pseudonym.toLowerCase()}@candidates.invalid`,
            displayName: candidate.pseudonym,
            role: "candidate" as const,
          },
          csrfToken: s.csrfToken,
        };
      },
    }),
    route({
      method: "get",
      path: "/candidate/assessment",
      summary:
        "The candidate's welcome page and timer: rules, time, what is graded, the server's clock and the deadline",
      tag: "candidate",
      auth: candidateOnly,
      candidates: true,
      response: StateOut,
      handler: ({ me }) => state(mine(me)),
    }),
    route({
      method: "post",
      path: "/candidate/start",
      summary: "Start the clock (once; it never pauses). 409 before the window opens, 410 after it closed",
      tag: "candidate",
      auth: candidateOnly,
      candidates: true,
      input: { body: z.object({}).strict() },
      response: StateOut,
      handler: ({ me }) => {
        mine(me);
        return state(hiring.clock.begin(me));
      },
    }),
    route({
      method: "post",
      path: "/candidate/hand-in",
      summary:
        "Hand in now: every exercise's workspace becomes a final submission and is graded; nothing can change afterwards",
      tag: "candidate",
      auth: candidateOnly,
      candidates: true,
      input: { body: z.object({}).strict() },
      response: StateOut,
      handler: async ({ me }) => {
        mine(me);
        return state(await hiring.clock.handIn(me));
      },
    }),
    route({
      method: "post",
      path: "/candidate/events",
      summary:
        "What the page saw while the candidate worked (saves, large insertions, pastes with their size, focus lost and regained), stamped with the server's time",
      tag: "candidate",
      auth: candidateOnly,
      candidates: true,
      input: { body: EventsBody },
      response: z.object({ accepted: z.number().int(), dropped: z.number().int() }),
      handler: ({ input, me }) => {
        const c = mine(me);
        const refused = hiring.clock.writeRefusal(c);
        if (refused) throw refused;
        const a = hiring.assessments.get(c.assessment_id);
        const events = input.body.events;
        const bad = events.find((e) => "exerciseId" in e && !a.exercises.some((x) => x.id === e.exerciseId));
        if (bad)
          throw new Problem(
            400,
            "validation",
            "Invalid request",
            "An event names an exercise outside this assessment.",
          );
        const have = deps.db.get<{ n: number }>("SELECT count(*) AS n FROM assessment_events WHERE candidate_id = ?", [
          c.id,
        ])!.n;
        const room = Math.max(0, MAX_EVENTS - have);
        const kept = events.slice(0, room);
        const at = new Date().toISOString();
        deps.db.transaction(() => {
          for (const e of kept) {
            const { kind, ...data } = e;
            const exerciseId = "exerciseId" in data ? data.exerciseId : null;
            deps.db.run(
              "INSERT INTO assessment_events (candidate_id, at, kind, exercise_id, data) VALUES (?, ?, ?, ?, ?)",
              [c.id, at, kind, exerciseId, JSON.stringify(data)],
            );
          }
        });
        return { accepted: kept.length, dropped: events.length - kept.length };
      },
    }),
  ];
}
