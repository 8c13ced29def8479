import express, { type Request, type Response } from "express";
import { randomUUID } from "node:crypto";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { findPasskey, session, usernames, users, type Session } from "./store.ts";

const RP_ID = process.env.RP_ID ?? "localhost";
const ORIGIN = process.env.ORIGIN ?? "http://localhost:3000";
const RP_NAME = "Backlab Notes";

// The challenge of the ceremony in progress.
let current: Session["challenge"];
function takeChallenge(_s: Session, kind: "register" | "login") {
  const pending = current;
  current = undefined;
  return pending?.kind === kind ? pending : undefined;
}

const fail = (res: Response, status: number, error: string) => res.status(status).json({ verified: false, error });

export function createApp() {
  const app = express();
  app.use(express.json({ limit: "32kb" }));

  app.get("/healthz", (_req, res) => {
    res.json({ ok: true });
  });

  // A new account (body.username), or another passkey for the signed-in user.
  app.post("/register/options", async (req: Request, res: Response) => {
    const s = session(req, res);
    let user = s.userId ? users.get(s.userId) : undefined;
    let username = user?.username;
    if (!user) {
      username = req.body?.username;
      if (typeof username !== "string" || !/^[a-z0-9_.-]{3,32}$/.test(username))
        return fail(res, 400, "username: 3 to 32 of a-z 0-9 _ . -");
      user = users.get(usernames.get(username) ?? "");
    }
    const userId = user?.id ?? randomUUID();
    const options = await generateRegistrationOptions({
      rpName: RP_NAME,
      rpID: RP_ID,
      userName: username!,
      userID: new TextEncoder().encode(userId),
      attestationType: "none",
      excludeCredentials: (user?.passkeys ?? []).map((p) => ({ id: p.id, transports: p.transports as any })),
      authenticatorSelection: { residentKey: "preferred", userVerification: "preferred" },
      supportedAlgorithmIDs: [-7, -257],
    });
    current = { value: options.challenge, kind: "register", userId, username };
    res.json(options);
  });

  app.post("/register/verify", async (req: Request, res: Response) => {
    const s = session(req, res);
    const pending = takeChallenge(s, "register");
    if (!pending) return fail(res, 400, "no registration in progress in this session");
    let info;
    try {
      const result = await verifyRegistrationResponse({
        response: req.body,
        expectedChallenge: pending.value,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        requireUserVerification: false,
      });
      if (!result.verified) return fail(res, 400, "registration not verified");
      info = result.registrationInfo;
    } catch (err) {
      return fail(res, 400, (err as Error).message);
    }
    const { credential } = info;
    if (findPasskey(credential.id)) return fail(res, 409, "this passkey is already registered");
    let user = users.get(pending.userId!);
    if (!user) {
      user = { id: pending.userId!, username: pending.username!, passkeys: [] };
      users.set(user.id, user);
      usernames.set(user.username, user.id);
    }
    user.passkeys = [{ id: credential.id, publicKey: credential.publicKey, counter: credential.counter, transports: credential.transports }];
    s.userId = user.id;
    res.json({ verified: true, credentialId: credential.id, passkeys: user.passkeys.length });
  });

  app.post("/login/options", async (req: Request, res: Response) => {
    session(req, res);
    const userId = typeof req.body?.username === "string" ? usernames.get(req.body.username) : undefined;
    const user = userId ? users.get(userId) : undefined;
    const options = await generateAuthenticationOptions({
      rpID: RP_ID,
      userVerification: "preferred",
      allowCredentials: (user?.passkeys ?? []).map((p) => ({ id: p.id, transports: p.transports as any })),
    });
    current = { value: options.challenge, kind: "login" };
    res.json(options);
  });

  app.post("/login/verify", async (req: Request, res: Response) => {
    const s = session(req, res);
    const pending = takeChallenge(s, "login");
    if (!pending) return fail(res, 400, "no sign-in in progress in this session");
    const found = typeof req.body?.id === "string" ? findPasskey(req.body.id) : undefined;
    if (!found) return fail(res, 401, "unknown passkey");
    const { user, passkey } = found;
    try {
      const result = await verifyAuthenticationResponse({
        response: req.body,
        expectedChallenge: pending.value,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        credential: { id: passkey.id, publicKey: passkey.publicKey as Uint8Array<ArrayBuffer>, counter: passkey.counter, transports: passkey.transports as any },
        requireUserVerification: false,
      });
      if (!result.verified) return fail(res, 401, "sign-in not verified");
    } catch (err) {
      return fail(res, 401, (err as Error).message);
    }
    s.userId = user.id;
    res.json({ verified: true, username: user.username });
  });

  app.get("/me", (req: Request, res: Response) => {
    const s = session(req, res);
    const user = s.userId ? users.get(s.userId) : undefined;
    if (!user) return fail(res, 401, "not signed in");
    res.json({ username: user.username, passkeys: user.passkeys.map((p) => p.id) });
  });

  return app;
}
