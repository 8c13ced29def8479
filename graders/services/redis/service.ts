import fs from "node:fs";
import path from "node:path";
import { servicePath, type BackingService } from "../port.ts";
import { startWatched } from "../watch.ts";

const PORT = 6379;

/*
 * Loopback only, nothing on disk (no RDB, no AOF), a memory cap, and the commands that reach
 * past the server refused by Redis 7 itself: CONFIG SET of protected settings (dir,
 * dbfilename — the classic "write a file where I like" trick), MODULE LOAD (native code) and
 * DEBUG. The sandbox is the wall behind them (ARCHITECTURE.md).
 */
const CONF = `bind 127.0.0.1
port ${PORT}
protected-mode yes
daemonize no
supervised no
logfile ""
save ""
appendonly no
dir /tmp
maxmemory 64mb
maxmemory-policy noeviction
enable-protected-configs no
enable-debug-command no
enable-module-command no
`;

/** Redis 7 (Debian's redis-server): starts in milliseconds, so there is nothing to prepare but its config. */
export const redisService: BackingService = {
  name: "redis",
  recipe: "redis7/1",
  packages: [
    { path: "/usr/bin/redis-server", pkg: "redis-server" },
    { path: "/usr/bin/redis-cli", pkg: "redis-tools" },
  ],
  env: { REDIS_URL: `redis://127.0.0.1:${PORT}` },

  prepare(dir) {
    fs.writeFileSync(path.join(dir, "redis.conf"), CONF, { mode: 0o644 });
  },

  start(sandbox, deadline) {
    return startWatched(sandbox, {
      name: "redis",
      argv: ["/usr/bin/redis-server", `${servicePath("redis")}/redis.conf`],
      ready: /Ready to accept connections/,
      deadline,
    });
  },
};
