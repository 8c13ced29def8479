// The sandbox port's conformance checks beyond exec, on every driver the composition root builds.
import { portConformance } from "./conformance/port.ts";
import { TARGETS } from "./conformance/target.ts";

for (const target of TARGETS) portConformance(target);
