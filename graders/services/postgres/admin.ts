import crypto from "node:crypto";
import type { SandboxProcess } from "../../sandbox/port.ts";
import { ServiceError, type RunningService, type ServiceAdminRequest } from "../port.ts";

export const BIN = "/usr/lib/postgresql/15/bin";
export const PORT = 5432;
export const REPLICA_PORT = 5433;
const ADMIN_TIMEOUT_MS = 40_000;

/*
 * The start script: copies the template (twice with a replica: a copy of a cleanly shut-down
 * cluster is a valid base backup, so the standby needs no pg_basebackup), starts the servers
 * and then serves the lab's admin requests from stdin. It runs them over the servers' own unix
 * socket in this exec's private /tmp, the only way to the superuser (ARCHITECTURE.md), so no
 * password exists anywhere. A request is `<id> <op> <port>` (+ a base64 line of SQL for
 * `sql`); the answer is one line `@@ctl <id> <rc> <base64 output>` in the server's output.
 * Ids are random: a learner who gets text into the server's log cannot forge an answer.
 */
export function startScript(from: string, hba: string, replica: boolean): string {
  const copy = (dir: string) => `cp -r ${from} ${dir} && printf '%s' '${hba}' > ${dir}/pg_hba.conf`;
  const standby = [
    copy("/tmp/pgreplica"),
    ": > /tmp/pgreplica/standby.signal",
    `printf '%s\\n' "port = ${REPLICA_PORT}" "primary_conninfo = 'host=/tmp port=${PORT} user=postgres application_name=replica'" "wal_retrieve_retry_interval = '20ms'" "hot_standby = on" >> /tmp/pgreplica/postgresql.conf`,
  ];
  return [
    "umask 077",
    copy("/tmp/pgdata"),
    `printf '%s\\n' "wal_keep_size = '64MB'" >> /tmp/pgdata/postgresql.conf`,
    ...(replica ? standby : []),
    `${BIN}/postgres -D /tmp/pgdata -k /tmp &`,
    ...(replica ? [`${BIN}/postgres -D /tmp/pgreplica -k /tmp &`] : []),
    "while read -r id op port; do",
    '  out=""; rc=0',
    '  case "$op" in',
    `    sql) read -r b64; printf '%s' "$b64" | base64 -d > /tmp/ctl.sql; out=$(/usr/bin/psql -X -h /tmp -p "$port" -U postgres -d app -Atq -v ON_ERROR_STOP=1 -f /tmp/ctl.sql 2>&1); rc=$? ;;`,
    `    stop) out=$(${BIN}/pg_ctl -D /tmp/pgdata -m fast -w -t 30 stop 2>&1); rc=$? ;;`,
    `    start) ${BIN}/pg_ctl -D /tmp/pgdata -w -t 30 -o "-k /tmp" start 1>&2; rc=$? ;;`,
    "    *) rc=2 ;;",
    "  esac",
    `  printf '@@ctl %s %s %s\\n' "$id" "$rc" "$(printf '%s' "$out" | base64 -w0)"`,
    "done",
    "kill 0",
  ].join("\n");
}

/** The lab's side of the script's stdin channel: one request at a time, answered by id. */
export class PostgresAdmin {
  private pending = new Map<string, (a: { rc: number; out: string }) => void>();
  private buffer = "";
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private proc: SandboxProcess,
    private replica: boolean,
    private running: () => RunningService,
  ) {
    proc.onData((chunk) => {
      this.buffer = (this.buffer + chunk.toString("utf8")).slice(-256 * 1024);
      // A whole line only (a chunk may end inside one).
      const re = /^@@ctl ([0-9a-f]{24}) (\d+) ([A-Za-z0-9+/=]*)\n/gm;
      let m: RegExpExecArray | null;
      let end = 0;
      while ((m = re.exec(this.buffer))) {
        end = re.lastIndex;
        const done = this.pending.get(m[1]!);
        this.pending.delete(m[1]!);
        done?.({ rc: Number(m[2]), out: Buffer.from(m[3]!, "base64").toString("utf8") });
      }
      if (end) this.buffer = this.buffer.slice(end);
    });
  }

  private send(op: "sql" | "stop" | "start", port: number, sql?: string): Promise<{ rc: number; out: string }> {
    const run = this.queue.then(
      () =>
        new Promise<{ rc: number; out: string }>((resolve, reject) => {
          const exited = this.running().exited();
          if (exited) return reject(new ServiceError(`postgres is not running (${exited})`));
          const id = crypto.randomBytes(12).toString("hex");
          const timer = setTimeout(() => {
            this.pending.delete(id);
            reject(new ServiceError(`postgres did not answer "${op}" within ${ADMIN_TIMEOUT_MS / 1000} s`));
          }, ADMIN_TIMEOUT_MS);
          this.pending.set(id, (a) => {
            clearTimeout(timer);
            resolve(a);
          });
          this.proc.write(`${id} ${op} ${port}\n${sql ? Buffer.from(sql).toString("base64") + "\n" : ""}`);
        }),
    );
    this.queue = run.catch(() => {});
    return run;
  }

  /** Runs SQL whose last statement prints one JSON value, as the superuser. */
  private async json(port: number, sql: string): Promise<unknown> {
    const { rc, out } = await this.send("sql", port, sql);
    if (rc !== 0) throw new ServiceError(`postgres: ${out.trim().slice(0, 500)}`);
    return JSON.parse(out.trim().split("\n").at(-1) || "null");
  }

  private needReplica(): number {
    if (!this.replica)
      throw new ServiceError("this exercise's postgres has no replica (services: [{ postgres: { replica: true } }])");
    return REPLICA_PORT;
  }

  async handle(req: ServiceAdminRequest): Promise<unknown> {
    const t0 = Date.now();
    switch (req.op) {
      case "stop": {
        const { rc, out } = await this.send("stop", 0);
        if (rc !== 0) throw new ServiceError(`postgres did not stop: ${out.trim()}`);
        return { stopped: true, ms: Date.now() - t0 };
      }
      case "start": {
        const { rc } = await this.send("start", 0);
        if (rc !== 0) throw new ServiceError("postgres did not start again (see its log)");
        return { ready: true, ms: Date.now() - t0 };
      }
      case "pauseReplay":
      case "resumeReplay": {
        const port = this.needReplica();
        const fn = req.op === "pauseReplay" ? "pg_wal_replay_pause" : "pg_wal_replay_resume";
        return this.json(
          port,
          `\\o /dev/null\nselect ${fn}();\n\\o\nselect json_build_object('state', pg_get_wal_replay_pause_state(), 'replayLsn', pg_last_wal_replay_lsn()::text);\n`,
        );
      }
      case "replication": {
        const port = this.needReplica();
        const primary = await this.json(
          PORT,
          "select json_build_object('primaryLsn', pg_current_wal_insert_lsn()::text);\n",
        );
        const standby = await this.json(
          port,
          "select json_build_object('replayLsn', pg_last_wal_replay_lsn()::text, 'receiveLsn', pg_last_wal_receive_lsn()::text, 'state', pg_get_wal_replay_pause_state());\n",
        );
        return { ...(primary as object), ...(standby as object) };
      }
      case "statements": {
        const port = req.server === "replica" ? this.needReplica() : PORT;
        return this.json(
          port,
          [
            "select coalesce(json_agg(json_build_object('query', s.query, 'calls', s.calls, 'rows', s.rows, 'meanMs', round(s.mean_exec_time::numeric, 3)) order by s.calls desc), '[]')",
            "  from pg_stat_statements s join pg_roles r on r.oid = s.userid where r.rolname = 'learner';",
            ...(req.reset ? ["\\o /dev/null", "select pg_stat_statements_reset();"] : []),
            "",
          ].join("\n"),
        );
      }
    }
  }
}
