#!/usr/bin/env node
// The `backlab` command. The server is TypeScript run through tsx's loader, so there is
// no build step between a checkout and a running lab.
import { register } from "tsx/esm/api";

register();
await import("../cli.ts");
