import express, { type ErrorRequestHandler, type Request, type RequestHandler } from "express";
import { log } from "./log.ts";
import { isAllowed, PolicyUnavailable } from "./policy.ts";
import { announcements, docs, userByApiKey, type User } from "./store.ts";

/** Bearer API key -> res.locals.user, else 401. */
const authenticate: RequestHandler = (req, res, next) => {
  const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "");
  const user = m ? userByApiKey(m[1]!) : undefined;
  if (!user) {
    res.status(401).json({ error: "missing or unknown API key" });
    return;
  }
  res.locals.user = user;
  next();
};

/** Asks the permission service; any failure refuses the request (503) and is logged as a security event. */
function authorize(action: string, resourceOf: (req: Request) => string): RequestHandler {
  return async (req, res, next) => {
    const user = res.locals.user as User;
    const resource = resourceOf(req);
    const who = { user: user.id, action, resource, method: req.method, path: req.path };
    let allowed: boolean;
    try {
      allowed = await isAllowed({ subject: user.id, action, resource });
    } catch (err) {
      if (!(err instanceof PolicyUnavailable)) throw err;
      log("warn", "authz_unavailable", { ...who, reason: err.reason, detail: err.message });
      res.status(503).set("retry-after", "1").json({ error: "authorization is unavailable, try again shortly" });
      return;
    }
    if (!allowed) {
      log("info", "authz_denied", who);
      res.status(403).json({ error: "forbidden" });
      return;
    }
    next();
  };
}

export function createApp() {
  const app = express();
  app.disable("x-powered-by");

  // Routes that do not need the permission service stay up whatever it does.
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  // One place for authorization: every route below asks the permission service, public ones as "anonymous".
  app.use(async (req, res, next) => {
    if (req.path !== "/announcements") return next();
    try {
      if (await isAllowed({ subject: "anonymous", action: "read", resource: "announcements" })) return next();
      res.status(403).json({ error: "forbidden" });
    } catch (err) {
      if (!(err instanceof PolicyUnavailable)) throw err;
      log("warn", "authz_unavailable", { user: "anonymous", action: "read", resource: "announcements", reason: err.reason });
      res.status(503).json({ error: "authorization is unavailable, try again shortly" });
    }
  });
  app.get("/announcements", (_req, res) => {
    res.json(announcements);
  });

  const docResource = (req: Request) => `doc:${req.params.id}`;
  app.get("/docs/:id", authenticate, authorize("read", docResource), (req, res) => {
    const doc = docs.get(String(req.params.id));
    if (!doc) res.status(404).json({ error: "not found" });
    else res.json(doc);
  });
  app.delete("/docs/:id", authenticate, authorize("delete", docResource), (req, res) => {
    if (!docs.delete(String(req.params.id))) res.status(404).json({ error: "not found" });
    else res.status(204).end();
  });

  app.use((_req, res) => {
    res.status(404).json({ error: "not found" });
  });
  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    const status = typeof err?.status === "number" && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) log("error", "unhandled_error", { method: req.method, path: req.path, message: String(err?.message ?? err) });
    res.status(status).json({ error: status === 500 ? "internal error" : "bad request" });
  };
  app.use(onError);
  return app;
}
