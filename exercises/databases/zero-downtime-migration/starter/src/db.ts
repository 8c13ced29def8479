// The database: a real PostgreSQL 15 server (DATABASE_URL); the lab starts one in your
// workspace and a fresh one for every grading. DO NOT CHANGE THIS FILE.
import pg from "pg";

pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

if (!process.env.DATABASE_URL) throw new Error("DATABASE_URL is not set: the lab sets it in your workspace and for every grading");
export const db = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 8, application_name: "customers-v2" });
db.on("error", (err) => console.error("idle database connection:", err.message));
