// Passwords (scrypt) and bearer tokens: each user gets one random token at signup.
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import type { NextFunction, Request, Response } from "express";
import { findUserByToken, type User } from "./store.ts";

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      user?: User;
    }
  }
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32);
  return `${salt.toString("hex")}:${hash.toString("hex")}`;
}

export async function checkPassword(password: string, stored: string): Promise<boolean> {
  const [salt, hash] = stored.split(":");
  const actual = await scryptAsync(password, Buffer.from(salt!, "hex"), 32);
  return timingSafeEqual(actual, Buffer.from(hash!, "hex"));
}

/** 401 unless the request carries "Authorization: Bearer <token>" of a known user. */
export function requireUser(req: Request, res: Response, next: NextFunction): void {
  const match = /^Bearer\s+(\S+)$/i.exec(req.get("authorization") ?? "");
  const user = match ? findUserByToken(match[1]!) : undefined;
  if (!user) {
    res.status(401).json({ error: "sign in first: send Authorization: Bearer <token> from POST /login" });
    return;
  }
  req.user = user;
  next();
}
