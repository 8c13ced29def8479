import { z } from "zod";
import type { AuditLog } from "../audit/service.ts";
import { rateLimit } from "../http/guards.ts";
import { anyone, roles, route, type Route } from "../http/routes.ts";
import { LinkToken, Password } from "./schema.ts";
import type { Accounts } from "./service.ts";

const UserId = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 31),
});

export const PasswordResetCreated = z.object({
  reset: z.object({ userId: z.number().int(), expiresAt: z.string() }),
  /** Shown once: the path with the token in its fragment, and the full link when PUBLIC_URL is set. */
  path: z.string(),
  url: z.string().nullable(),
});
export const PasswordResetBody = z.object({ token: LinkToken, password: Password }).strict();
export const PasswordResetDone = z.object({ email: z.string() });

/**
 * A way back into an account on a lab without mail: an admin makes a one-time link and hands
 * it over; whoever opens it sets a new password, every session of the account ends.
 */
export function passwordResetRoutes(
  accounts: Accounts,
  audit: AuditLog,
  opts: { publicUrl: string | undefined },
): Route[] {
  // Tokens are 256 random bits, so guessing is hopeless; the limit keeps argon2 from being a lever.
  const perIp = rateLimit({ windowMs: 60_000, max: 10, key: (req) => `reset:${req.ip}` });
  const perAdmin = rateLimit({ windowMs: 60_000, max: 30, key: (_req, res) => `reset-make:${res.locals.user?.id}` });
  return [
    route({
      method: "post",
      path: "/admin/users/:id/password-reset",
      summary: "Make a one-time password reset link for a user (shown once; replaces an earlier one)",
      tag: "admin",
      auth: roles("admin"),
      before: [perAdmin],
      input: { params: UserId, body: z.object({}).strict() },
      status: 201,
      response: PasswordResetCreated,
      handler: ({ input, me, req }) => {
        const { token, userId, expiresAt, id } = accounts.passwordResets.create(input.params.id, me.id);
        audit.record({
          actorId: me.id,
          action: "user.password-reset.create",
          target: { kind: "user", id: userId },
          details: { reset: id, expiresAt },
          ip: req.ip,
        });
        // The token travels in the fragment: browsers never send it to a server or in a Referer.
        const path = `/reset-password#token=${token}`;
        return { reset: { userId, expiresAt }, path, url: opts.publicUrl ? opts.publicUrl + path : null };
      },
    }),
    route({
      method: "post",
      path: "/auth/password-reset",
      summary: "Set a new password with a one-time reset link from an admin; every session of the account ends",
      tag: "accounts",
      auth: anyone,
      before: [perIp],
      input: { body: PasswordResetBody },
      response: PasswordResetDone,
      handler: async ({ input, req }) => {
        const { userId, email, resetId } = await accounts.passwordResets.consume(input.body.token, input.body.password);
        accounts.revokeAll(userId);
        audit.record({
          actorId: userId,
          action: "user.password-reset.use",
          target: { kind: "user", id: userId },
          details: { reset: resetId },
          ip: req.ip,
        });
        return { email };
      },
    }),
  ];
}
