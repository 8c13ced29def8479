// Users and file metadata live in memory (gone after a restart); file bytes live on disk.
import { randomBytes, randomUUID } from "node:crypto";

export type User = { id: string; username: string; passwordHash: string; token: string };
export type FileMeta = { name: string; owner: string; size: number; public: boolean; description: string; tags: string[]; source: string | null; updatedAt: string };

const users = new Map<string, User>();
const byName = new Map<string, User>();
const byToken = new Map<string, User>();
const metas = new Map<string, FileMeta>();

export function createUser(username: string, passwordHash: string): User | undefined {
  if (byName.has(username)) return undefined;
  const user: User = { id: randomUUID(), username, passwordHash, token: randomBytes(24).toString("base64url") };
  users.set(user.id, user);
  byName.set(username, user);
  byToken.set(user.token, user);
  return user;
}

export const findUserByName = (username: string) => byName.get(username);
export const findUserByToken = (token: string) => byToken.get(token);

const key = (userId: string, name: string) => `${userId}/${name}`;

export function getMeta(userId: string, name: string): FileMeta | undefined {
  return metas.get(key(userId, name));
}

export function putMeta(userId: string, name: string, size: number, source: string | null): FileMeta {
  const old = metas.get(key(userId, name));
  const meta: FileMeta = { name, owner: userId, size, public: old?.public ?? false, description: old?.description ?? "", tags: old?.tags ?? [], source, updatedAt: new Date().toISOString() };
  metas.set(key(userId, name), meta);
  return meta;
}

export function listMeta(_userId: string): FileMeta[] {
  return [...metas.values()];
}
