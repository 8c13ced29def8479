import { z } from "zod";
import { Email } from "../accounts/schema.ts";
import { Slug } from "../../graders/exercise/schema.ts";

export const CohortId = z.coerce
  .number()
  .int()
  .positive()
  .max(2 ** 31);
export const ById = { params: z.object({ id: CohortId }) };

/** A broadcast is plain text shown in a banner; it is never rendered as HTML. */
export const MAX_BROADCAST = 500;
export const BroadcastText = z
  .string()
  .trim()
  .min(1)
  .max(MAX_BROADCAST, `a broadcast is at most ${MAX_BROADCAST} characters`)
  .refine((t) => !/<\s*\/?\s*[a-z!][^>]*>/i.test(t), "a broadcast is plain text: HTML tags are not allowed");

const When = z.iso.datetime({ offset: true });
const Track = z
  .array(Slug)
  .min(1)
  .max(100)
  .refine((t) => new Set(t).size === t.length, "an exercise appears in the track once");

const Settings = {
  name: z.string().trim().min(1).max(120),
  description: z.string().trim().max(4000),
  track: Track,
  startsAt: When.nullable(),
  endsAt: When.nullable(),
  seats: z.number().int().min(1).max(1000),
  hints: z.boolean(),
  solution: z.enum(["never", "after_pass", "after_end"]),
  leaderboard: z.enum(["off", "names", "pseudonyms"]),
  /** Co-instructors by email: instructors or admins of this lab. */
  coInstructors: z.array(Email).max(20),
};

const endsAfterStart = (c: { startsAt?: string | null; endsAt?: string | null }) =>
  !c.startsAt || !c.endsAt || Date.parse(c.endsAt) > Date.parse(c.startsAt);

export const CreateBody = z
  .object({
    ...Settings,
    description: Settings.description.default(""),
    startsAt: Settings.startsAt.default(null),
    endsAt: Settings.endsAt.default(null),
    hints: Settings.hints.default(true),
    solution: Settings.solution.default("after_pass"),
    leaderboard: Settings.leaderboard.default("off"),
    coInstructors: Settings.coInstructors.default([]),
    /** A join link with a short code (default on). */
    joinLink: z.boolean().default(true),
  })
  .strict()
  .refine(endsAfterStart, "endsAt must be after startsAt");
export type CreateBody = z.output<typeof CreateBody>;

export const PatchBody = z
  .object({
    name: Settings.name,
    description: Settings.description,
    track: Settings.track,
    startsAt: Settings.startsAt,
    endsAt: Settings.endsAt,
    seats: Settings.seats,
    hints: Settings.hints,
    solution: Settings.solution,
    leaderboard: Settings.leaderboard,
    coInstructors: Settings.coInstructors,
    /** `new`: a fresh short code (the old one stops working); `off`: no joining by link. */
    joinCode: z.enum(["new", "off"]),
    joinCodeExpiresAt: When.nullable(),
  })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, "change at least one setting")
  .refine(endsAfterStart, "endsAt must be after startsAt");
export type PatchBody = z.output<typeof PatchBody>;

export const PacingBody = z
  .object({
    /** The exercises to act on, or every exercise of the track. */
    exercises: z.union([z.literal("all"), z.array(Slug).min(1).max(100)]),
    action: z.enum(["unlock", "lock", "schedule"]),
    /** For `schedule`: when they unlock by themselves. */
    at: When.optional(),
  })
  .strict()
  .refine((b) => (b.action === "schedule") === (b.at !== undefined), "give `at` with action schedule, and only then");

export const InvitesBody = z
  .object({ emails: z.array(Email).min(1).max(200), days: z.number().int().min(1).max(90).default(14) })
  .strict();

/** A short join code (letters and digits, no look-alikes) or a one-time invite token. */
export const JoinCode = z
  .string()
  .trim()
  .regex(/^([A-HJ-NP-Z2-9]{8}|[A-Za-z0-9_-]{43})$/, "not a join code");
export const JoinBody = z.object({ code: JoinCode }).strict();

export const HandBody = z
  .object({ message: z.string().trim().max(500).default(""), exerciseId: Slug.optional() })
  .strict();
export const HandAction = z.object({ action: z.enum(["acknowledge", "resolve"]) }).strict();
export const BroadcastBody = z.object({ text: BroadcastText }).strict();
export const TakeoverBody = z.object({ userId: z.number().int().positive(), exerciseId: Slug }).strict();
export const TakeoverAnswer = z.object({ action: z.enum(["accept", "decline", "end"]) }).strict();
export const ExportQuery = z.object({ format: z.enum(["csv", "gradebook", "json"]) }).strict();
