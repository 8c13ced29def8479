import { z } from "zod";
import { Email, LinkToken } from "../accounts/schema.ts";
import { Slug } from "../../graders/exercise/schema.ts";

/** What a candidate sees of their feedback submissions while working. */
export const VISIBILITY = ["nothing", "test-names", "full"] as const;
export const Visibility = z.enum(VISIBILITY);
export type Visibility = z.infer<typeof Visibility>;

export const DECISIONS = ["advance", "hold", "reject"] as const;
export const Decision = z.enum(DECISIONS);

export const Id = z.coerce
  .number()
  .int()
  .positive()
  .max(2 ** 31);
export const ByAssessment = { params: z.object({ id: Id }) };
export const ByCandidate = { params: z.object({ id: Id, candidateId: Id }) };

const Criterion = z
  .object({ name: z.string().trim().min(1).max(80), description: z.string().trim().max(500).default("") })
  .strict();

const Fields = {
  title: z.string().trim().min(1).max(120),
  exercises: z
    .array(z.object({ id: Slug, runtime: z.string().max(40).optional() }).strict())
    .min(1)
    .max(10)
    .refine((xs) => new Set(xs.map((x) => x.id)).size === xs.length, "an exercise appears twice"),
  durationMinutes: z
    .number()
    .int()
    .min(1)
    .max(24 * 60),
  opensAt: z.iso.datetime({ offset: true }),
  closesAt: z.iso.datetime({ offset: true }),
  slackMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60),
  visibility: Visibility,
  feedbackSubmissions: z.number().int().min(0).max(100),
  hintsAllowed: z.boolean(),
  rubric: z.array(Criterion).max(20),
  /** User ids of instructors or admins who review; the creator always does. */
  reviewers: z.array(z.number().int().positive()).max(50),
};

const windowInOrder = (a: { opensAt?: string; closesAt?: string }) =>
  a.opensAt === undefined || a.closesAt === undefined || Date.parse(a.closesAt) > Date.parse(a.opensAt);

export const AssessmentBody = z
  .object({
    ...Fields,
    slackMinutes: Fields.slackMinutes.default(0),
    visibility: Fields.visibility.default("test-names"),
    feedbackSubmissions: Fields.feedbackSubmissions.default(3),
    hintsAllowed: Fields.hintsAllowed.default(false),
    rubric: Fields.rubric.default([]),
    reviewers: Fields.reviewers.default([]),
  })
  .strict()
  .refine(windowInOrder, { message: "closesAt must be after opensAt", path: ["closesAt"] });
export type AssessmentInput = z.infer<typeof AssessmentBody>;

export const AssessmentPatch = z
  .object(
    Object.fromEntries(Object.entries(Fields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof Fields]: z.ZodOptional<(typeof Fields)[K]>;
    },
  )
  .strict()
  .refine((p) => Object.keys(p).length > 0, "change at least one field");

export const AssessmentOut = z.object({
  id: z.number().int(),
  title: z.string(),
  exercises: z.array(z.object({ id: z.string(), runtime: z.string(), title: z.string() })),
  durationMinutes: z.number().int(),
  opensAt: z.string(),
  closesAt: z.string(),
  slackMinutes: z.number().int(),
  visibility: Visibility,
  feedbackSubmissions: z.number().int(),
  hintsAllowed: z.boolean(),
  rubric: z.array(z.object({ name: z.string(), description: z.string() })),
  reviewers: z.array(z.object({ id: z.number().int(), displayName: z.string() })),
  createdBy: z.number().int().nullable(),
  createdAt: z.string(),
});

/** A candidate to invite: name and email are optional (a pseudonymous id is the default). */
export const InviteRow = z
  .object({
    name: z.string().trim().min(1).max(80).optional(),
    email: Email.optional(),
    days: z.number().int().min(1).max(90).optional(),
  })
  .strict();
export const InvitesBody = z.object({ candidates: z.array(InviteRow).min(1).max(500) }).strict();
/** CSV text: a header row naming `name` and/or `email` columns (both optional per row). */
export const InvitesCsvBody = z
  .object({
    csv: z
      .string()
      .min(1)
      .max(512 * 1024),
    days: z.number().int().min(1).max(90).optional(),
  })
  .strict();

export const PublicLinkBody = z
  .object({ claimLimit: z.number().int().min(1).max(1000), days: z.number().int().min(1).max(90).default(7) })
  .strict();

export const ClaimBody = z.object({ token: LinkToken }).strict();

export const ExtendBody = z
  .object({
    extraMinutes: z
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .optional(),
    timeFactor: z.number().min(1).max(4).optional(),
  })
  .strict()
  .refine((b) => b.extraMinutes !== undefined || b.timeFactor !== undefined, "give extraMinutes or timeFactor");

export const CandidateStatus = z.enum(["invited", "started", "submitted", "expired", "revoked"]);
export type CandidateStatus = z.infer<typeof CandidateStatus>;
