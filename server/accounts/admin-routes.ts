import { z } from "zod";
import type { AuditLog } from "../audit/service.ts";
import { notFound } from "../errors.ts";
import { roles, route, type Route } from "../http/routes.ts";
import { InviteBody, InviteCreated, InviteOut, UserAdminOut, UserChange } from "./schema.ts";
import type { Accounts } from "./service.ts";

const ById = {
  params: z.object({
    id: z.coerce
      .number()
      .int()
      .positive()
      .max(2 ** 31),
  }),
};

/** User and invite management: admins only. */
export function adminRoutes(accounts: Accounts, audit: AuditLog, opts: { publicUrl: string | undefined }): Route[] {
  const admin = roles("admin");
  return [
    route({
      method: "get",
      path: "/admin/users",
      scope: "users:read",
      summary: "Every account with its role, state and last activity",
      tag: "admin",
      auth: admin,
      response: z.object({ users: z.array(UserAdminOut) }),
      handler: () => ({ users: accounts.list() }),
    }),
    route({
      method: "patch",
      path: "/admin/users/:id",
      summary: "Change a user's role, or disable (ending every session) or enable the account",
      tag: "admin",
      auth: admin,
      input: { ...ById, body: UserChange },
      response: z.object({ user: UserAdminOut }),
      handler: ({ input, me, req }) => {
        const before = accounts.list().find((u) => u.id === input.params.id);
        const user = accounts.update(me.id, input.params.id, input.body);
        audit.record({
          actorId: me.id,
          action: "user.update",
          target: { kind: "user", id: user.id },
          details: { from: { role: before?.role, disabled: before?.disabled }, change: input.body },
          ip: req.ip,
        });
        return { user };
      },
    }),
    route({
      method: "get",
      path: "/admin/invites",
      summary: "Invites not used yet and not expired",
      tag: "admin",
      auth: admin,
      response: z.object({ invites: z.array(InviteOut) }),
      handler: () => ({ invites: accounts.invites.pending().map(({ kind: _kind, ...i }) => i) }),
    }),
    route({
      method: "post",
      path: "/admin/invites",
      scope: "invites:write",
      summary: "Make a single-use invite link (shown once) for a role, optionally for one email",
      tag: "admin",
      auth: admin,
      input: { body: InviteBody },
      status: 201,
      response: InviteCreated,
      handler: ({ input, me, req }) => {
        const {
          token,
          kind: _kind,
          ...invite
        } = accounts.invites.create({
          kind: "invite",
          role: input.body.role,
          email: input.body.email,
          createdBy: me.id,
          ttlMs: (input.body.days ?? accounts.opts.inviteDays) * 86_400_000,
        });
        audit.record({
          actorId: me.id,
          action: "invite.create",
          target: { kind: "invite", id: invite.id },
          details: { role: invite.role, email: input.body.email ?? null },
          ip: req.ip,
        });
        // The token travels in the fragment: browsers never send it to a server or in a Referer.
        const path = `/signup#invite=${token}`;
        return { invite, token, path, url: opts.publicUrl ? opts.publicUrl + path : null };
      },
    }),
    route({
      method: "delete",
      path: "/admin/invites/:id",
      summary: "Revoke an invite that has not been used",
      tag: "admin",
      auth: admin,
      input: ById,
      handler: ({ input, me, req }) => {
        if (!accounts.invites.exists(input.params.id)) throw notFound("The invite");
        accounts.invites.revoke(input.params.id);
        audit.record({
          actorId: me.id,
          action: "invite.revoke",
          target: { kind: "invite", id: input.params.id },
          ip: req.ip,
        });
      },
    }),
  ];
}
