import { z } from "zod";
import { owner, roles, route, signedIn, type Route } from "../http/routes.ts";
import { ById, CreateBody, InvitesBody, JoinBody, PacingBody, PatchBody } from "./schema.ts";
import type { Cohorts } from "./service.ts";

const Summary = z.looseObject({
  id: z.number().int(),
  name: z.string(),
  seats: z.number().int(),
  members: z.number().int(),
  ended: z.boolean(),
});
const TrackOut = z.array(
  z.object({
    exerciseId: z.string(),
    title: z.string(),
    inCatalog: z.boolean(),
    unlocked: z.boolean(),
    unlockedAt: z.string().nullable(),
    unlockAt: z.string().nullable(),
  }),
);
const DetailOut = Summary.extend({ track: TrackOut, joinCode: z.string().nullable() });

type Deps = { cohorts: Cohorts; publicUrl: string | undefined };

/**
 * Running cohorts: instructors see and change only the cohorts they run (owner or
 * co-instructor), admins every cohort; anyone else gets the same 404 as for a cohort that
 * does not exist.
 */
export function cohortRoutes(deps: Deps): Route[] {
  const { cohorts } = deps;
  const runs = owner("cohort", { staff: ["admin"] });
  const instructorsOf = (i: { params: { id: number } }) => cohorts.instructorIds(i.params.id);

  return [
    route({
      method: "get",
      path: "/cohorts",
      scope: "cohorts:read",
      summary: "The cohorts the caller runs (admins: every cohort)",
      tag: "cohorts",
      auth: roles("instructor", "admin"),
      response: z.object({ cohorts: z.array(Summary) }),
      handler: ({ me }) => ({ cohorts: cohorts.list(me) }),
    }),
    route({
      method: "post",
      path: "/cohorts",
      summary:
        "Create a cohort: name, track (exercise ids of the catalog, in order), dates, seats, join link, co-instructors",
      tag: "cohorts",
      auth: roles("instructor", "admin"),
      input: { body: CreateBody },
      status: 201,
      response: z.object({ cohort: DetailOut }),
      handler: ({ input, me, res }) => {
        const cohort = cohorts.create(me, input.body);
        res.location(`/api/cohorts/${cohort.id}`);
        return { cohort };
      },
    }),
    route({
      method: "get",
      path: "/cohorts/:id",
      scope: "cohorts:read",
      summary: "A cohort's settings, track with its pacing, join code, invites and co-instructors",
      tag: "cohorts",
      auth: runs,
      ownerOf: instructorsOf,
      input: ById,
      response: z.object({ cohort: DetailOut }),
      handler: ({ input }) => ({ cohort: cohorts.detail(input.params.id) }),
    }),
    route({
      method: "patch",
      path: "/cohorts/:id",
      summary: "Change a cohort's settings; `joinCode: new` replaces the join link, `off` closes it",
      tag: "cohorts",
      auth: runs,
      ownerOf: instructorsOf,
      input: { ...ById, body: PatchBody },
      response: z.object({ cohort: DetailOut }),
      handler: ({ input }) => ({ cohort: cohorts.update(input.params.id, input.body) }),
    }),
    route({
      method: "post",
      path: "/cohorts/:id/pacing",
      summary: "Unlock, lock or schedule exercises of the track (one, several or all); members see it live",
      tag: "cohorts",
      auth: runs,
      ownerOf: instructorsOf,
      input: { ...ById, body: PacingBody },
      response: z.object({ track: TrackOut }),
      handler: ({ input }) => ({
        track: cohorts.pace(input.params.id, input.body.exercises, input.body.action, input.body.at),
      }),
    }),
    route({
      method: "post",
      path: "/cohorts/:id/invites",
      scope: "invites:write",
      summary:
        "One-time invite links for named people (each works once, for that email); the links are shown only in this answer",
      tag: "cohorts",
      auth: runs,
      ownerOf: instructorsOf,
      input: { ...ById, body: InvitesBody },
      status: 201,
      response: z.object({ invites: z.array(z.object({ email: z.string(), url: z.string() })) }),
      handler: ({ input, req }) => {
        const base = deps.publicUrl ?? `${req.protocol}://${req.get("host")}`;
        return {
          invites: cohorts
            .invite(input.params.id, input.body.emails, input.body.days)
            .map((i) => ({ email: i.email, url: `${base}/join/${i.token}` })),
        };
      },
    }),
    route({
      method: "post",
      path: "/cohort-joins",
      summary: "Join a cohort by its link's short code or a one-time invite (joining again changes nothing)",
      tag: "cohorts",
      auth: signedIn,
      input: { body: JoinBody },
      response: z.object({ cohort: Summary }),
      handler: ({ input, me }) => ({ cohort: cohorts.join(me, input.body.code) }),
    }),
  ];
}
