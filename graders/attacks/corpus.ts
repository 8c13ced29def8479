import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

/**
 * The attack corpus: hostile submissions, each a folder laid over an honest one (a unit
 * exercise's starter, a mutation fixture's submission). Each must score what the honest
 * submission scores (`expect: honest`), or less when the attack breaks its own run
 * (`expect: below`, e.g. exiting on import): never more. graders/attacks/README.md lists them.
 */
export const ATTACKS_DIR = path.dirname(fileURLToPath(import.meta.url));

const Attack = z.strictObject({
  why: z.string().min(1),
  expect: z.enum(["honest", "below"]).default("honest"),
  /**
   * An open gap: the attack still beats the honest score, and the corpus asserts that it does
   * (so closing the gap turns the test red: then delete this field). Says why it works.
   */
  open: z.string().min(1).optional(),
  /** A pattern the results' message must match (e.g. why the copy stopped). */
  message: z.string().optional(),
  /** A string that must appear nowhere in the results (what the attack tried to leak). */
  not_in_results: z.string().optional(),
  /** Made at test time, never committed. */
  generate: z
    .strictObject({
      files: z.number().int().positive().optional(),
      sparse_bytes: z.number().int().positive().optional(),
    })
    .optional(),
});
export type Attack = z.infer<typeof Attack> & { name: string; dir: string };

export function listAttacks(kind: "unit" | "mutation"): Attack[] {
  const root = path.join(ATTACKS_DIR, kind);
  return fs
    .readdirSync(root)
    .filter((d) => fs.statSync(path.join(root, d)).isDirectory())
    .sort()
    .map((name) => ({
      ...Attack.parse(parseYaml(fs.readFileSync(path.join(root, name, "attack.yaml"), "utf8"))),
      name,
      dir: path.join(root, name),
    }));
}

/**
 * The attacked submission: a copy of `honest` with the attack's files over it. A top-level
 * `_node_modules/` becomes `node_modules/` (git would not keep the real name). When the
 * attack has `src/attack.ts`, `importer` (a module the hidden tests import) imports it first.
 */
export function buildAttack(attack: Attack, honest: string, dst: string, importer?: string): string {
  fs.cpSync(honest, dst, { recursive: true });
  const lay = (from: string, to: string) => {
    for (const e of fs.readdirSync(from, { withFileTypes: true })) {
      if (from === attack.dir && e.name === "attack.yaml") continue;
      const name = from === attack.dir && e.name === "_node_modules" ? "node_modules" : e.name;
      if (e.isDirectory()) {
        fs.mkdirSync(path.join(to, name), { recursive: true });
        lay(path.join(from, e.name), path.join(to, name));
      } else fs.copyFileSync(path.join(from, e.name), path.join(to, name));
    }
  };
  lay(attack.dir, dst);
  if (importer && fs.existsSync(path.join(attack.dir, "src", "attack.ts"))) {
    const file = path.join(dst, importer);
    fs.writeFileSync(file, `import "./attack.ts";\n${fs.readFileSync(file, "utf8")}`);
  }
  if (attack.generate?.files) {
    const many = path.join(dst, "generated");
    for (let d = 0; d * 1000 < attack.generate.files; d++) {
      const sub = path.join(many, String(d));
      fs.mkdirSync(sub, { recursive: true });
      for (let i = 0; i < 1000 && d * 1000 + i < attack.generate.files; i++)
        fs.writeFileSync(path.join(sub, `${i}.txt`), "");
    }
  }
  if (attack.generate?.sparse_bytes) {
    const fd = fs.openSync(path.join(dst, "big.bin"), "w");
    fs.ftruncateSync(fd, attack.generate.sparse_bytes);
    fs.closeSync(fd);
  }
  return dst;
}
