// Users, their passkeys and sessions, in memory.
import { randomBytes } from "node:crypto";

export type Passkey = {
  id: string; // base64url credential id
  publicKey: Uint8Array; // COSE key
  counter: number;
  transports?: string[];
};
export type User = { id: string; username: string; passkeys: Passkey[] };
export type Session = {
  userId?: string; // signed in as
  challenge?: { value: string; kind: "register" | "login"; userId?: string; username?: string };
};

export const users = new Map<string, User>(); // by id
export const usernames = new Map<string, string>(); // username -> user id

export function findPasskey(credentialId: string): { user: User; passkey: Passkey } | undefined {
  for (const user of users.values()) {
    const passkey = user.passkeys.find((p) => p.id === credentialId);
    if (passkey) return { user, passkey };
  }
  return undefined;
}

const sessions = new Map<string, Session>();

/** The session named by the `sid` cookie, made (and the cookie set) when there is none. */
export function session(req: { headers: { cookie?: string } }, res: { append(name: string, value: string): unknown }): Session {
  const sid = /(?:^|;\s*)sid=([\w-]+)/.exec(req.headers.cookie ?? "")?.[1];
  const found = sid ? sessions.get(sid) : undefined;
  if (found) return found;
  const id = randomBytes(24).toString("base64url");
  const fresh: Session = {};
  sessions.set(id, fresh);
  res.append("Set-Cookie", `sid=${id}; Path=/; HttpOnly; SameSite=Strict`);
  return fresh;
}
