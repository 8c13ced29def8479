import path from "node:path";
import { ConfigError, loadConfig } from "./config.ts";
import { createLogger } from "./logger.ts";
import { startLab, StartupError } from "./main.ts";
import { ensureRuntime, RUNTIME_NAMES, TEST_RUNTIME_DIR } from "./setup/runtime.ts";
import { ensureDocker } from "./setup/docker.ts";
import { ensureServices } from "./setup/services.ts";
import { ensureImages } from "./setup/images.ts";
import { chromiumPath, ensurePackage, ensureWebBuilt, SetupError } from "./setup/system.ts";
import { loopCensus, loopWarning } from "./workspaces/mounts.ts";

const USAGE = `backlab <command>

  serve                 install what is missing, then start the lab (npm start)
  setup [--for-tests] [--docker]
                        install system packages, the sandbox runtime, the backing
                        services (PostgreSQL, Redis), Docker and its images (--docker;
                        always for tests) and the web build
  images [--base IMAGE] build the sandbox images (offline base unless IMAGE is given)
  images --lab          build the lab's own image (backlab/lab:latest) offline, for compose
  probe <url> [--probe id,…] [--param k=v …] [--json]
                        aim the security probe library at a service of yours (loopback only)
  exercise new|validate|grade …
                        author exercises: scaffold, validate in real sandboxes, grade
  validate              check every exercise.yaml's schema (fast); exit 1 if one is broken
  schema                print the JSON Schema of exercise.yaml
  grade <exercise-dir> <in-dir> <out-dir>
                        grade a folder as a submission; writes <out-dir>/results.json
  bench                 run the benchmarks (JSON and a table)
  backup <file>         a consistent copy of DATA_DIR (database and files) while the lab runs
  restore <file> [--force]
                        bring a backup back into DATA_DIR (--force moves a lab there aside)
`;

const say = (m: string) => process.stderr.write(`backlab: ${m}\n`);
const n = (count: number, noun: string) => `${count} ${noun}${count === 1 ? "" : "s"}`;

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case "serve": {
      const config = loadConfig();
      const log = createLogger(config.logLevel);
      ensureWebBuilt(say);
      try {
        ensurePackage("promtool", "prometheus", say); // the static kind's prometheus/promtool-test rule
      } catch (err) {
        if (!(err instanceof SetupError)) throw err;
        say(`warning: ${err.message}; exercises graded by promtool will report an error until then`);
      }
      const lab = await startLab(config, log);
      process.stderr.write(`\n  Backlab is running at ${lab.url}  (sandbox: ${lab.driver.name})\n\n`);
      const shutdown = () => {
        log.info("shutting down");
        void lab.close().then(() => process.exit(0));
        setTimeout(() => process.exit(1), 10_000).unref();
      };
      process.once("SIGINT", shutdown);
      process.once("SIGTERM", shutdown);
      return -1;
    }
    case "setup": {
      const forTests = args.includes("--for-tests");
      ensurePackage("bwrap", "bubblewrap", say);
      ensurePackage("promtool", "prometheus", say); // the static kind's prometheus/promtool-test rule
      if (forTests) {
        ensurePackage("chromium", "chromium", say);
        if (!chromiumPath()) throw new SetupError("chromium is installed but its binary was not found");
      }
      const runtimes = forTests ? TEST_RUNTIME_DIR : loadConfig().runtimeDir;
      for (const r of RUNTIME_NAMES) ensureRuntime(runtimes, r, say);
      ensureServices(runtimes, say);
      // The tests prove both drivers, so they need both; a lab needs Docker only to use it.
      if (forTests || args.includes("--docker")) {
        await ensureDocker(say);
        await ensureImages({ runtimesRoot: runtimes, log: say });
      }
      ensureWebBuilt(say);
      const loops = loopWarning(loopCensus());
      if (loops) say(`warning: ${loops}`);
      return 0;
    }
    case "images": {
      const base = args[args.indexOf("--base") + 1];
      await ensureDocker(say);
      if (args.includes("--lab")) {
        const { buildLabImage } = await import("./setup/lab-image.ts");
        process.stdout.write(`lab\t${await buildLabImage({ runtimesRoot: loadConfig().runtimeDir, log: say })}\n`);
        return 0;
      }
      const images = await ensureImages({
        runtimesRoot: loadConfig().runtimeDir,
        log: say,
        base: args.includes("--base") ? base : undefined,
      });
      for (const [runtime, tag] of Object.entries(images)) process.stdout.write(`${runtime}\t${tag}\n`);
      return 0;
    }
    case "probe": {
      const { probeCommand } = await import("../graders/probes/cli.ts");
      return probeCommand(args);
    }
    case "exercise": {
      const { exerciseCommand } = await import("../graders/authoring.ts");
      const { authoringDrivers } = await import("./drivers.ts");
      const config = loadConfig();
      return exerciseCommand(args, {
        exercisesDir: config.exercisesDir,
        openDriver: authoringDrivers(config, (m) => process.stderr.write(`${m}\n`)),
      });
    }
    case "validate": {
      const { loadCatalog } = await import("../graders/exercise/catalog.ts");
      const catalog = loadCatalog(loadConfig().exercisesDir);
      for (const p of catalog.problems)
        process.stdout.write(`${p.path}: ${p.field ? p.field + ": " : ""}${p.message}\n`);
      process.stdout.write(`${catalog.exercises.size} exercise(s) valid, ${catalog.problems.length} problem(s)\n`);
      return catalog.problems.length ? 1 : 0;
    }
    case "schema": {
      const { exerciseJsonSchema } = await import("../graders/exercise/schema.ts");
      process.stdout.write(JSON.stringify(exerciseJsonSchema(), null, 2) + "\n");
      return 0;
    }
    case "grade": {
      const { gradeFolder } = await import("../graders/cli.ts");
      const [exerciseDir, inDir, outDir] = args;
      if (!exerciseDir || !inDir || !outDir) {
        say("usage: backlab grade <exercise-dir> <in-dir> <out-dir>");
        return 2;
      }
      const { authoringDrivers } = await import("./drivers.ts");
      return gradeFolder(
        path.resolve(exerciseDir),
        path.resolve(inDir),
        path.resolve(outDir),
        authoringDrivers(loadConfig(), (m) => process.stderr.write(`${m}\n`)),
      );
    }
    case "backup":
    case "restore": {
      const file = args.find((a) => !a.startsWith("--"));
      if (!file) {
        say(`usage: backlab ${command} <file>${command === "restore" ? " [--force]" : ""}`);
        return 2;
      }
      const { backup, restore, BackupError } = await import("./backup/backup.ts");
      const { readMigrations } = await import("./db/database.ts");
      const { dataDir } = loadConfig();
      try {
        if (command === "backup") {
          const m = await backup(dataDir, file);
          say(
            `backed up ${dataDir} to ${path.resolve(file)}: ${n(m.counts.users, "user")}, ${n(m.counts.submissions, "submission")}, ${n(m.counts.workspaces, "workspace")}`,
          );
        } else {
          const r = await restore(file, dataDir, {
            force: args.includes("--force"),
            newestMigration: readMigrations().length,
          });
          say(
            `restored ${r.manifest.counts.submissions} submissions (backup of ${r.manifest.createdAt}) into ${dataDir}` +
              (r.movedAside ? `; the lab that was there is kept at ${r.movedAside}` : ""),
          );
        }
        return 0;
      } catch (err) {
        if (err instanceof BackupError) {
          say(err.message);
          return 1;
        }
        throw err;
      }
    }
    case "bench": {
      const { runBenchmarks } = await import("./bench.ts");
      return runBenchmarks();
    }
    case undefined:
    case "help":
    case "--help":
      process.stdout.write(USAGE);
      return command ? 0 : 2;
    default:
      say(`unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof SetupError || err instanceof StartupError) {
      say(err.message);
      process.exit(1);
    }
    say(`unexpected error: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
