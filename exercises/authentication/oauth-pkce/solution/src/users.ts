import type { Request } from "express";

// Logging in is out of scope here: a login page and a session cookie would normally say who
// the user is. In this exercise the header `X-Demo-User: <name>` plays that part.

const USERS = new Set(["alice", "bob"]);

/** The logged-in user's name, or null when nobody is logged in. */
export function currentUser(req: Request): string | null {
  const name = req.get("x-demo-user")?.trim().toLowerCase();
  return name && USERS.has(name) ? name : null;
}
