/**
 * `backlab bench` (`npm run bench [-- --only bwrap|docker]`): the lab's speed and capacity
 * figures per sandbox driver. The benchmarks live in server/bench/.
 */
export { runBenchmarks } from "./bench/run.ts";
