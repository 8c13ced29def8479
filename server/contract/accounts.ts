/**
 * The accounts API as the web app sees it: types only, inferred from the route schemas the
 * server validates its answers against, so the page and the lab cannot drift apart.
 */
import type { z } from "zod";
import type {
  ACCOUNT_LIMITS,
  InviteCreated,
  InviteOut,
  InvitePreview,
  ROLES,
  SessionOut,
  SignedIn,
  SignupOptions,
  UserAdminOut,
  UserOut,
} from "../accounts/schema.ts";
import type { PasswordResetCreated, PasswordResetDone } from "../accounts/reset-routes.ts";

export type Role = z.infer<typeof UserOut>["role"];
/** Every role, in the order the lab lists them. */
export type Roles = typeof ROLES;
export type User = z.infer<typeof UserOut>;
/** A sign-in answer: the user and the CSRF token every write sends back. */
export type SignedIn = z.infer<typeof SignedIn>;
export type SignupOptions = z.infer<typeof SignupOptions>;
/** One signed-in browser of the account. */
export type SessionItem = z.infer<typeof SessionOut>;
export type AdminUser = z.infer<typeof UserAdminOut>;
export type Invite = z.infer<typeof InviteOut>;
export type InviteCreated = z.infer<typeof InviteCreated>;
/** The longest value each account field takes: the web's maxlength is this type's value exactly. */
export type AccountLimits = typeof ACCOUNT_LIMITS;
/** What an invite link is for, before it is used: role and bound email. */
export type InvitePreview = z.infer<typeof InvitePreview>["invite"];
/** An admin's one-time password reset link for a user (the token only in `path`/`url`, shown once). */
export type PasswordResetCreated = z.infer<typeof PasswordResetCreated>;
export type PasswordResetDone = z.infer<typeof PasswordResetDone>;
