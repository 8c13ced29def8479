/** The audit log as the web app sees it: types only, from the route schema. */
import type { z } from "zod";
import type { AuditEntryOut } from "../audit/routes.ts";

export type AuditEntry = z.infer<typeof AuditEntryOut>;
