import { z } from "zod";

/** Candidates take assessments; learners practise; instructors and admins also review. */
export const ROLES = ["admin", "instructor", "learner", "candidate"] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export type User = { id: number; email: string; displayName: string; role: Role };

/** The longest value each account field takes; the web app's inputs carry the same maxlength (contract type). */
export const ACCOUNT_LIMITS = { email: 254, displayName: 80, password: 256, passwordMin: 10 } as const;

export const Email = z
  .email()
  .max(ACCOUNT_LIMITS.email)
  .transform((e) => e.toLowerCase());
// OWASP ASVS: at least 8 characters (we ask 10), up to at least 64, every character allowed.
export const Password = z
  .string()
  .min(ACCOUNT_LIMITS.passwordMin, `use at least ${ACCOUNT_LIMITS.passwordMin} characters`)
  .max(ACCOUNT_LIMITS.password);
/** One-time link tokens are 32 random bytes, base64url. */
export const LinkToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "not a link token");
const DisplayName = z.string().trim().min(1).max(ACCOUNT_LIMITS.displayName);

export const SignupBody = z
  .object({
    email: Email,
    displayName: DisplayName,
    password: Password,
    /** The token of an invite link (required when sign-up is by invitation). */
    invite: LinkToken.optional(),
  })
  .strict();

export const FirstAdminBody = z
  .object({ token: LinkToken, email: Email, displayName: DisplayName, password: Password })
  .strict();

export const LoginBody = z
  .object({
    email: Email,
    password: z.string().min(1).max(ACCOUNT_LIMITS.password),
  })
  .strict();

export const PasswordBody = z
  .object({ currentPassword: z.string().min(1).max(ACCOUNT_LIMITS.password), newPassword: Password })
  .strict();

export const UserOut = z.object({ id: z.number().int(), email: z.string(), displayName: z.string(), role: Role });
/** A sign-in answer: the user and the CSRF token the client sends on every write. */
export const SignedIn = z.object({ user: UserOut, csrfToken: z.string() });

export const SignupOptions = z.object({
  signup: z.enum(["open", "invite"]),
  /** Single sign-on, when configured: the sign-in page offers "Sign in with <name>". */
  sso: z.object({ name: z.string() }).nullable(),
  /** Whether email and password sign in (LOCAL_PASSWORDS). */
  passwords: z.boolean(),
});
export const SessionOut = z.object({
  id: z.string(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  userAgent: z.string().nullable(),
  current: z.boolean(),
});

export const UserAdminOut = UserOut.extend({
  createdAt: z.string(),
  disabled: z.boolean(),
  lastSeenAt: z.string().nullable(),
});
export const UserChange = z
  .object({ role: Role.optional(), disabled: z.boolean().optional() })
  .strict()
  .refine((c) => c.role !== undefined || c.disabled !== undefined, "give a role or disabled");

export const InviteBody = z
  .object({
    role: Role,
    /** When set, only this email can use the invite. */
    email: Email.optional(),
    days: z.number().int().min(1).max(90).optional(),
  })
  .strict();
export const InviteOut = z.object({
  id: z.number().int(),
  role: Role,
  email: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
});
/** What an invite link is for, shown on the page it opens before anyone signs up. */
export const InviteLookupBody = z.object({ token: LinkToken }).strict();
export const InvitePreview = z.object({
  invite: z.object({ role: Role, email: z.string().nullable(), expiresAt: z.string() }),
});
/** A new invite: its link (token in the fragment) is shown this once. */
export const InviteCreated = z.object({
  invite: InviteOut,
  token: z.string(),
  path: z.string(),
  url: z.string().nullable(),
});
