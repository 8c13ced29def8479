import { z } from "zod";
import { owner, route, signedIn, type Route } from "../http/routes.ts";
import type { CohortEvent } from "../contract/cohorts.ts";
import type { Workshops } from "./feature.ts";
import { CohortId, HandBody, TakeoverAnswer } from "./schema.ts";
import { memberHears, streamCohort } from "./sse.ts";

const ById = { params: z.object({ id: CohortId }) };
const HandOut = z.looseObject({ id: z.number().int(), message: z.string() });

/**
 * A member's side of a cohort: their track and its pacing, broadcasts, their own hand and
 * take-over requests, and the leaderboard when the cohort opted in. Only members (no staff
 * exception: instructors have the room); another learner's data is never here.
 */
export function memberRoutes(w: Workshops): Route[] {
  const auth = owner("membership");
  const ownerOf = (i: { params: { id: number } }) => w.cohorts.memberIds(i.params.id);

  return [
    route({
      method: "get",
      path: "/me/cohorts",
      summary: "The cohorts the caller is a member of",
      tag: "cohorts",
      auth: signedIn,
      response: z.object({ cohorts: z.array(z.looseObject({ id: z.number().int(), name: z.string() })) }),
      handler: ({ me }) => ({ cohorts: w.cohorts.memberships(me.id) }),
    }),
    route({
      method: "get",
      path: "/cohorts/:id/me",
      summary:
        "The member's page: the track in order with what is unlocked, broadcasts, their raised hand and take-over requests",
      tag: "cohorts",
      auth,
      ownerOf,
      input: ById,
      response: z.looseObject({
        track: z.array(z.looseObject({ exerciseId: z.string(), unlocked: z.boolean() })),
        broadcasts: z.array(z.looseObject({ text: z.string() })),
      }),
      handler: ({ input, me }) => w.desk.memberView(input.params.id, me.id),
    }),
    route({
      method: "get",
      path: "/cohorts/:id/events",
      summary: "The member's live updates as server-sent events: pacing, broadcasts, their hand, take-over requests",
      tag: "cohorts",
      auth,
      ownerOf,
      input: ById,
      produces: "text/event-stream",
      handler: ({ input, me, req, res }) =>
        // The snapshot carries what a member sees (pacing, the latest broadcast, their take-overs),
        // so an EventSource that reconnects after a drop misses nothing sent meanwhile.
        streamCohort(
          w.cohorts,
          input.params.id,
          req,
          res,
          memberHears(me.id),
          memberSnapshot(w, input.params.id, me.id),
        ),
    }),
    route({
      method: "get",
      path: "/cohorts/:id/leaderboard",
      scope: "cohorts:read",
      summary:
        "Members ranked by exercises passed and points, by display name or pseudonym; 404 unless the cohort turned it on",
      tag: "cohorts",
      auth,
      ownerOf,
      input: ById,
      response: z.object({
        rows: z.array(
          z.object({
            rank: z.number().int(),
            name: z.string(),
            you: z.boolean(),
            passed: z.number(),
            points: z.number(),
          }),
        ),
      }),
      handler: ({ input, me }) => ({ rows: w.desk.leaderboard(input.params.id, me.id) }),
    }),
    route({
      method: "post",
      path: "/cohorts/:id/hand",
      summary: "Raise a hand (with an optional message); raising it again updates the message",
      tag: "cohorts",
      auth,
      ownerOf,
      input: { ...ById, body: HandBody },
      status: 201,
      response: z.object({ hand: HandOut }),
      handler: ({ input, me }) => ({
        hand: w.desk.raise(input.params.id, me, input.body.message, input.body.exerciseId),
      }),
    }),
    route({
      method: "delete",
      path: "/cohorts/:id/hand",
      summary: "Lower the caller's hand",
      tag: "cohorts",
      auth,
      ownerOf,
      input: ById,
      handler: ({ input, me }) => void w.desk.lower(input.params.id, me.id),
    }),
    route({
      method: "patch",
      path: "/cohorts/:id/takeovers/:takeoverId",
      summary: "Answer a take-over request of the caller's terminal: accept, decline, or end it",
      tag: "cohorts",
      auth,
      ownerOf,
      input: {
        params: z.object({
          id: CohortId,
          takeoverId: z.coerce
            .number()
            .int()
            .positive()
            .max(2 ** 31),
        }),
        body: TakeoverAnswer,
      },
      response: z.object({ takeover: z.looseObject({ id: z.number().int(), state: z.string() }) }),
      handler: ({ input, me }) => ({
        takeover: w.desk.answerTakeover(input.params.id, input.params.takeoverId, me, input.body.action),
      }),
    }),
  ];
}

function memberSnapshot(w: Workshops, cohortId: number, userId: number): CohortEvent[] {
  const latest = w.desk.broadcasts(cohortId, 1)[0];
  return [
    { type: "track", track: w.cohorts.track(cohortId) },
    ...(latest ? [{ type: "broadcast" as const, broadcast: latest }] : []),
    ...w.desk.takeovers(cohortId, userId).map((takeover) => ({ type: "takeover" as const, takeover })),
  ];
}
