import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { servicePath, type BackingService } from "../port.ts";
import { PostgresOptions } from "../use.ts";
import { startWatched } from "../watch.ts";
import { BIN, PORT, PostgresAdmin, REPLICA_PORT, startScript } from "./admin.ts";

const NOBODY = 65534;
/** What the learner connects as: a plain role owning its database, not a superuser (ARCHITECTURE.md). */
const ROLE = "learner";
const DATABASE = "app";

/*
 * The template's settings. A grading's cluster is thrown away, so durability is off (fsync,
 * full pages). The only socket is in the server's own /tmp: on bwrap each exec has a private
 * /tmp, so nothing but the server itself reaches the superuser's `local … trust` line.
 */
const CONF = `
listen_addresses = '127.0.0.1'
port = ${PORT}
unix_socket_directories = '/tmp'
max_connections = 40
shared_buffers = 16MB
dynamic_shared_memory_type = posix
huge_pages = off
fsync = off
synchronous_commit = off
full_page_writes = off
min_wal_size = 2MB
max_wal_size = 64MB
logging_collector = off
log_destination = 'stderr'
shared_preload_libraries = 'pg_stat_statements'
`;

const HBA = `# TYPE DATABASE USER ADDRESS METHOD
local all postgres trust
local replication postgres trust
host ${DATABASE} ${ROLE} 127.0.0.1/32 trust
host all all 0.0.0.0/0 reject
host all all ::/0 reject
`;

const INIT_SQL = [
  `CREATE ROLE ${ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION`,
  `CREATE DATABASE ${DATABASE} OWNER ${ROLE} TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8'`,
  // Nothing connects to `postgres` or template0 here (the learner cannot create databases);
  // without them each copy is half the size, the bulk of a start.
  `DROP DATABASE postgres`,
  `ALTER DATABASE template0 IS_TEMPLATE false`,
  `DROP DATABASE template0`,
];

/**
 * PostgreSQL 15 (Debian's postgresql-15). `prepare` runs initdb once into a template cluster;
 * a start copies it into the server's private /tmp (~30 MB on tmpfs) and runs `postgres` as the
 * sandbox's user, listening on the sandbox's loopback only. `{ replica: true }` copies it once
 * more as a hot standby on port 5433 streaming from the primary (admin.ts).
 */
export const postgresService: BackingService = {
  name: "postgres",
  recipe: "postgres15/4",
  packages: [
    { path: `${BIN}/postgres`, pkg: "postgresql-15" },
    { path: "/usr/bin/psql", pkg: "postgresql-client-15" },
  ],
  env: {
    DATABASE_URL: `postgres://${ROLE}@127.0.0.1:${PORT}/${DATABASE}`,
    PGHOST: "127.0.0.1",
    PGPORT: String(PORT),
    PGUSER: ROLE,
    PGDATABASE: DATABASE,
  },
  envFor(options) {
    const o = PostgresOptions.parse(options);
    return {
      ...this.env,
      ...(o.replica ? { DATABASE_REPLICA_URL: `postgres://${ROLE}@127.0.0.1:${REPLICA_PORT}/${DATABASE}` } : {}),
    };
  },

  prepare(dir, log) {
    log("preparing a PostgreSQL 15 template cluster (initdb, once)…");
    const data = path.join(dir, "data");
    fs.mkdirSync(data, { mode: 0o700 });
    fs.chownSync(data, NOBODY, NOBODY);
    // initdb and postgres refuse root; the template belongs to nobody until it is made readable.
    const asNobody = (argv: string[], input?: string) =>
      execFileSync("setpriv", [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--", ...argv], {
        cwd: "/",
        input,
        stdio: ["pipe", "pipe", "pipe"],
        timeout: 120_000,
      });
    asNobody([
      `${BIN}/initdb`,
      "-D",
      data,
      "-U",
      "postgres",
      "--auth=trust",
      "-E",
      "UTF8",
      "--locale=C.UTF-8",
      "--no-sync",
      "--no-instructions",
      "--wal-segsize=1",
    ]);
    fs.appendFileSync(path.join(data, "postgresql.conf"), CONF);
    fs.writeFileSync(path.join(data, "pg_hba.conf"), HBA);
    asNobody([`${BIN}/postgres`, "--single", "-D", data, "template1"], INIT_SQL.join(";\n") + ";\n");
    asNobody([`${BIN}/postgres`, "--single", "-D", data, DATABASE], "CREATE EXTENSION pg_stat_statements;\n");
    // The cluster was shut down cleanly: its old WAL segments (5 MB to copy each time) can go.
    asNobody([`${BIN}/pg_resetwal`, "-D", data]);
    // pg_resetwal records wal_level=minimal; a start and clean stop records the configured
    // `replica` again, so a copy of the template is a valid base for a standby ({ replica: true }).
    asNobody([`${BIN}/postgres`, "--single", "-D", data, DATABASE], "");
    // Anyone may read it (sandbox users copy it); it holds no secret.
    execFileSync("chmod", ["-R", "a+rX,go-w", dir]);
  },

  async start(sandbox, deadline, options = {}) {
    const { replica } = PostgresOptions.parse(options);
    const running = await startWatched(sandbox, {
      name: "postgres",
      // The HBA is written at start (the template's may predate the replication line).
      argv: ["/bin/sh", "-c", startScript(`${servicePath("postgres")}/data`, HBA, replica)],
      // With a replica: the primary is up and the standby streams from it.
      ready: replica
        ? /^(?=[\s\S]*ready to accept connections)(?=[\s\S]*started streaming WAL)/
        : /database system is ready to accept connections/,
      deadline,
      keepStdin: true,
    });
    const admin = new PostgresAdmin(running.proc, replica, () => running);
    return Object.assign(running, { admin: (req: Parameters<PostgresAdmin["handle"]>[0]) => admin.handle(req) });
  },
};
