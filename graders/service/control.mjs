// The control channel of a `service` grader step, for hidden tests: import it as
//   import { service } from "/grader/control.mjs";
// Each call drops one JSON request into /grader/control/requests (written to a temp name,
// then renamed, so the lab never reads half of it) and polls for the lab's answer in
// /grader/control/responses. See ARCHITECTURE.md ("The service control channel").
import fs from "node:fs";

const DIR = "/grader/control";
let seq = 0;

async function call(request, timeoutMs) {
  if (!fs.existsSync(`${DIR}/requests`))
    throw new Error("no control channel here: only the hidden tests of a `service` step can control the service");
  const id = `${process.pid}-${Date.now().toString(36)}-${++seq}`;
  const tmp = `${DIR}/requests/.${id}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(request));
  fs.renameSync(tmp, `${DIR}/requests/${id}.json`);
  const until = Date.now() + timeoutMs;
  for (;;) {
    let text = null;
    try {
      text = fs.readFileSync(`${DIR}/responses/${id}.json`, "utf8");
    } catch (err) {
      if (err?.code !== "ENOENT") throw err;
    }
    if (text !== null) {
      const answer = JSON.parse(text);
      if (answer.ok) return answer.result;
      throw new Error(`service.${request.verb}(): ${answer.error}`);
    }
    if (Date.now() > until)
      throw new Error(`service.${request.verb}(): the grader did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * @typedef {{ exited: boolean, code: number | null, signal: string | null, ms: number }} Exit
 *   `ms`: from the last signal() (or from the waitExit() call) to the exit.
 */
export const service = {
  /** Sends a signal to the learner's own process (not tsx/npm/sh); resolves once delivered. @param {"SIGTERM"|"SIGINT"|"SIGKILL"|"SIGHUP"} name */
  signal: (name) => call({ verb: "signal", name }, 10_000),
  /** @param {{ timeoutMs?: number }} [opts] at most 60000 @returns {Promise<Exit>} */
  waitExit: ({ timeoutMs = 10_000 } = {}) => call({ verb: "waitExit", timeoutMs }, timeoutMs + 10_000),
  /** Starts the service again on the same files (what it wrote stays) and waits until it is ready. @returns {Promise<{ ready: true, ms: number }>} */
  restart: () => call({ verb: "restart" }, 120_000),
  /** SIGKILL to the service and everything it started, then waits. @returns {Promise<Exit>} */
  kill: ({ timeoutMs = 10_000 } = {}) => call({ verb: "kill", timeoutMs }, timeoutMs + 10_000),
  /** The service sandbox's memory (cgroup, page cache included). @returns {Promise<{ currentBytes: number, peakBytes: number | null }>} */
  memory: () => call({ verb: "memory" }, 10_000),
  /** Starts a new peak window for memory().peakBytes. @returns {Promise<{ sampled: boolean }>} */
  resetMemoryPeak: () => call({ verb: "resetMemoryPeak" }, 10_000),
  /** The service's output so far (the start and the last 24 KB). @returns {Promise<string>} */
  logs: async () => (await call({ verb: "logs" }, 10_000)).text,
};

/**
 * The exercise's backing services (services: in exercise.yaml), run by the lab as their
 * superuser: what the hidden tests read here comes from the server, not from the learner's code.
 */
export const backing = {
  /** Fast shutdown of the primary (clients see their connections drop). @returns {Promise<{ stopped: true, ms: number }>} */
  stop: (name = "postgres") => call({ verb: "backing", service: name, op: "stop" }, 60_000),
  /** Starts it again on the same data and waits until it accepts connections. @returns {Promise<{ ready: true, ms: number }>} */
  start: (name = "postgres") => call({ verb: "backing", service: name, op: "start" }, 60_000),
  /** pg_wal_replay_pause() on the replica. @returns {Promise<{ state: string, replayLsn: string }>} */
  pauseReplay: () => call({ verb: "backing", service: "postgres", op: "pauseReplay" }, 60_000),
  /** pg_wal_replay_resume() on the replica. @returns {Promise<{ state: string, replayLsn: string }>} */
  resumeReplay: () => call({ verb: "backing", service: "postgres", op: "resumeReplay" }, 60_000),
  /** @returns {Promise<{ primaryLsn: string, replayLsn: string, receiveLsn: string | null, state: string }>} */
  replication: () => call({ verb: "backing", service: "postgres", op: "replication" }, 60_000),
  /**
   * pg_stat_statements of the learner's role (the hidden tests connect as it too), most called
   * first; `reset` clears them after reading.
   * @param {{ server?: "primary" | "replica", reset?: boolean }} [opts]
   * @returns {Promise<{ query: string, calls: number, rows: number, meanMs: number }[]>}
   */
  statements: ({ server = "primary", reset = false } = {}) =>
    call({ verb: "backing", service: "postgres", op: "statements", server, reset }, 60_000),
};
