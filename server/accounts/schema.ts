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

export type User = { id: number; email: string; displayName: string; role: "admin" | "instructor" | "learner" };
