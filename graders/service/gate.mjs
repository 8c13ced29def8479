// Runs INSIDE the grader sandbox's test worker, as a vitest setup file of the `service` kind:
// vitest starts (process, config, worker, the hidden files' imports) while the learner's
// service is still booting, and the tests wait here until the lab has seen it answer its
// ready path; the lab then writes /grader/ready (read-only in here). If the service never
// becomes ready, the lab stops this run instead.
import fs from "node:fs";
import { beforeAll } from "vitest";

beforeAll(async () => {
  while (!fs.existsSync("/grader/ready")) await new Promise((r) => setTimeout(r, 5));
}, 30 * 60_000);
