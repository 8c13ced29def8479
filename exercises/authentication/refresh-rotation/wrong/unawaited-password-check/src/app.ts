import crypto from "node:crypto";
import express, { type ErrorRequestHandler, type Request, type Response } from "express";
import { z } from "zod";
import { ACCESS_TOKEN_TTL_SECONDS, JWT_SECRET } from "./config.ts";
import { JwtError, sign, verify } from "./jwt.ts";
import { beginAttempt, succeeded } from "./login-limiter.ts";
import { dummyHash, hashPassword, verifyPassword } from "./passwords.ts";
import { consumeRefreshToken, issueRefreshToken, revokeFamilyOf, startFamily } from "./refresh-tokens.ts";
import { createUser, findUserByEmail, findUserById, normalizeEmail } from "./users.ts";

const Email = z.string().trim().toLowerCase().max(254).regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "an email address");
const SignupBody = z.object({ email: Email, password: z.string().min(15).max(128) });
const LoginBody = z.object({ email: z.string().min(1).max(254), password: z.string().min(1).max(1024) });
const RefreshBody = z.object({ refreshToken: z.string().min(1).max(200) });

class HttpError extends Error {
  status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new HttpError(400, r.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; "));
  return r.data;
}

/** A new access token plus the next refresh token of `familyId`. */
function tokenPair(userId: string, familyId: string) {
  const now = Math.floor(Date.now() / 1000);
  return {
    accessToken: sign({ sub: userId, iat: now, exp: now + ACCESS_TOKEN_TTL_SECONDS, jti: crypto.randomUUID() }, JWT_SECRET),
    refreshToken: issueRefreshToken(userId, familyId),
    tokenType: "Bearer",
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
  };
}

/** Token answers must not be cached (RFC 6749 §5.1). */
function sendTokens(res: Response, body: ReturnType<typeof tokenPair>) {
  res.set("Cache-Control", "no-store").json(body);
}

const INVALID_LOGIN = { error: "invalid email or password" };
const INVALID_REFRESH = { error: "invalid refresh token" };

export function createApp() {
  const app = express();
  app.disable("x-powered-by");
  app.use(express.json({ limit: "10kb" }));
  void dummyHash(); // computed once at startup, not during the first unknown-email login

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.post("/signup", async (req, res) => {
    const { email, password } = parse(SignupBody, req.body);
    const user = createUser(email, await hashPassword(password));
    if (!user) throw new HttpError(409, "email already registered");
    res.status(201).json({ id: user.id, email: user.email });
  });

  app.post("/login", async (req, res) => {
    const { email, password } = parse(LoginBody, req.body);
    const key = normalizeEmail(email);
    const wait = beginAttempt(key);
    if (wait > 0) {
      res.set("Retry-After", String(wait)).status(429).json({ error: "too many failed logins, try again later" });
      return;
    }
    const user = findUserByEmail(key);
    // Hash the password even for unknown emails: same answer, about the same time.
    const ok = verifyPassword(password, user?.passwordHash ?? (await dummyHash()));
    if (!user || !ok) {
      res.status(401).json(INVALID_LOGIN);
      return;
    }
    succeeded(key);
    sendTokens(res, tokenPair(user.id, startFamily(user.id)));
  });

  app.post("/refresh", (req, res) => {
    const { refreshToken } = parse(RefreshBody, req.body);
    const used = consumeRefreshToken(refreshToken);
    if (!used.ok) {
      if (used.reason === "reused") console.warn(`refresh token reuse detected: family revoked`);
      res.status(401).json(INVALID_REFRESH);
      return;
    }
    sendTokens(res, tokenPair(used.userId, used.familyId));
  });

  app.post("/logout", (req, res) => {
    const { refreshToken } = parse(RefreshBody, req.body);
    revokeFamilyOf(refreshToken);
    res.status(204).end();
  });

  app.get("/me", (req, res) => {
    const userId = authenticate(req);
    const user = userId === null ? undefined : findUserById(userId);
    if (!user) {
      res.set("WWW-Authenticate", 'Bearer error="invalid_token"').status(401).json({ error: "invalid or expired access token" });
      return;
    }
    res.json({ id: user.id, email: user.email });
  });

  app.use((_req, res) => {
    res.status(404).json({ error: "not found" });
  });

  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    const status = typeof err?.status === "number" && err.status >= 400 && err.status < 600 ? err.status : 500;
    if (status >= 500) console.error(err);
    res.status(status).json({ error: status >= 500 ? "internal error" : String(err?.message ?? "bad request") });
  };
  app.use(onError);
  return app;
}

/** The user id from a valid `Authorization: Bearer <access token>`, else null. */
function authenticate(req: Request): string | null {
  const m = /^Bearer ([^\s]+)$/i.exec(req.get("authorization") ?? "");
  if (!m) return null;
  try {
    return verify(m[1]!, JWT_SECRET).sub;
  } catch (err) {
    if (err instanceof JwtError) return null;
    throw err;
  }
}
