// Accounts, in memory (a restart forgets everyone).
import crypto from "node:crypto";

export type User = { id: string; email: string; passwordHash: string; createdAt: Date };

const byId = new Map<string, User>();
const byEmail = new Map<string, User>();

/** Emails are compared trimmed and lowercased. */
export const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** Creates the account, or returns null when the email is taken. */
export function createUser(email: string, passwordHash: string): User | null {
  const key = normalizeEmail(email);
  if (byEmail.has(key)) return null;
  const user: User = { id: crypto.randomUUID(), email: key, passwordHash, createdAt: new Date() };
  byId.set(user.id, user);
  byEmail.set(key, user);
  return user;
}

export const findUserByEmail = (email: string) => byEmail.get(normalizeEmail(email));
export const findUserById = (id: string) => byId.get(id);
