// Passwords (scrypt) and session tokens: base64url(JSON payload) + "." + HMAC-SHA256 signature.
import { createHmac, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import type { NextFunction, Request, Response } from "express";
import { findUser, type User } from "./store.ts";

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;
const SECRET = process.env.SESSION_SECRET ?? randomBytes(32).toString("hex");
const TOKEN_SECONDS = 3600;

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

const sign = (data: string) => createHmac("sha256", SECRET).update(data).digest("base64url");

export function issueToken(user: User): string {
  const payload = Buffer.from(JSON.stringify({ sub: user.id, exp: Math.floor(Date.now() / 1000) + TOKEN_SECONDS })).toString("base64url");
  return `${payload}.${sign(payload)}`;
}

/** The user a token belongs to, or undefined when it is malformed, forged or expired. */
export function userFromToken(token: string): User | undefined {
  const [payload, signature] = token.split(".");
  if (!payload || !signature) return undefined;
  const expected = Buffer.from(sign(payload));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { sub?: unknown; exp?: unknown };
    if (typeof claims.sub !== "string" || typeof claims.exp !== "number" || claims.exp * 1000 < Date.now()) return undefined;
    return findUser(claims.sub);
  } catch {
    return undefined;
  }
}

/** Sets req.user when the request carries a valid "Authorization: Bearer <token>". */
export function identify(req: Request, _res: Response, next: NextFunction): void {
  const header = req.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const user = match ? userFromToken(match[1]!) : undefined;
  if (user) req.user = user;
  next();
}

/** 401 unless a user is signed in. */
export function requireUser(req: Request, res: Response, next: NextFunction): void {
  if (!req.user) {
    res.status(401).json({ error: "sign in first: send Authorization: Bearer <token> from POST /login" });
    return;
  }
  next();
}
