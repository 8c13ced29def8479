// The hostile battery of the driver conformance suite, on every driver the composition root builds.
import { hostileBattery } from "./conformance/battery.ts";
import { TARGETS } from "./conformance/target.ts";

for (const target of TARGETS) hostileBattery(target);
