import { z } from "zod";

export const Email = z.email().max(254).transform((e) => e.toLowerCase());
export const Password = z.string().min(10, "use at least 10 characters").max(256);

export const SignupBody = z.object({
  email: Email,
  displayName: z.string().trim().min(1).max(80),
  password: Password,
}).strict();

export const LoginBody = z.object({
  email: Email,
  password: z.string().min(1).max(256),
}).strict();

/** Candidates take assessments; learners practise; instructors and admins also review. */
export const ROLES = ["admin", "instructor", "learner", "candidate"] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export type User = { id: number; email: string; displayName: string; role: Role };

export const UserOut = z.object({ id: z.number().int(), email: z.string(), displayName: z.string(), role: Role });
