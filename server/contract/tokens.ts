/** Personal API tokens as the web app sees them: types only, from the route schemas. */
import type { z } from "zod";
import type { AdminTokenOut, ScopeOut, TokenOut } from "../tokens/routes.ts";

export type ApiToken = z.infer<typeof TokenOut>;
export type TokenScope = z.infer<typeof ScopeOut>;
export type AdminApiToken = z.infer<typeof AdminTokenOut>;
