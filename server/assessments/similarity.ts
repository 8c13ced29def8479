import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Exercise } from "../../graders/exercise/catalog.ts";
import { unavailable } from "../errors.ts";

/** Pairs at or above this similarity are flagged for a person to look at (never a verdict). */
export const FLAG_AT = 0.5;
const CODE = /\.(ts|tsx|mts|cts|js|mjs|cjs|jsx)$/;
const MAX_FILE = 256 * 1024;

export type Side = { startRow: number; endRow: number; text: string };
export type SimilarPair = {
  left: string;
  right: string;
  similarity: number;
  longest: number;
  fragments: { left: Side; right: Side }[];
};
/** One author's code for one exercise: a candidate's final snapshot or the reference solution. */
export type Source = { id: string; dir: string };

/**
 * Each author's code of an exercise as one text, files in path order with a header comment,
 * so fragments can point back at a file and line. Only code files; generated folders skipped.
 */
export function bundle(dir: string): string {
  const parts: string[] = [];
  const walk = (rel: string) => {
    let names: string[];
    try {
      names = fs.readdirSync(path.join(dir, rel)).sort();
    } catch {
      return;
    }
    for (const name of names) {
      if (name === "node_modules" || name.startsWith(".")) continue;
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(path.join(dir, r));
      if (st.isDirectory()) walk(r);
      else if (st.isFile() && CODE.test(name) && st.size <= MAX_FILE)
        parts.push(`// file: ${r}\n${fs.readFileSync(path.join(dir, r), "utf8")}\n`);
    }
  };
  walk("");
  return parts.join("");
}

/** The part of @dodona/dolos-lib's API used here (typed locally: the lab builds and starts without it). */
type Region = { startRow: number; endRow: number };
type DolosPair = {
  leftFile: { path: string };
  rightFile: { path: string };
  similarity: number;
  longest: number;
  buildFragments(): { leftSelection: Region; rightSelection: Region }[];
};
type DolosModule = {
  Dolos: new (opts: { language: string }) => {
    analyzePaths(paths: string[], template?: string): Promise<{ allPairs(): DolosPair[] }>;
  };
};
const DOLOS = "@dodona/dolos-lib";
let dolos: Promise<DolosModule> | undefined;

/** Dolos parses with native tree-sitter grammars; loaded on first use so a lab without them still starts. */
function loadDolos(): Promise<DolosModule> {
  dolos ??= (import(DOLOS) as Promise<DolosModule>).catch((err: unknown) => {
    dolos = undefined;
    throw unavailable(
      `The similarity engine (@dodona/dolos-lib) cannot be loaded: ${(err as Error).message.split("\n")[0]}. Run npm install.`,
    );
  });
  return dolos;
}

/**
 * Compares every author's code with every other's with Dolos (winnowing over tree-sitter
 * tokens), the exercise's starter given as the template whose code is ignored; returns every
 * pair with its similarity and its matching fragments, both sides' lines included.
 */
export async function compare(exercise: Exercise, sources: Source[]): Promise<SimilarPair[]> {
  if (sources.length < 2) return [];
  const { Dolos } = await loadDolos();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "backlab-similarity-"));
  try {
    const texts = new Map<string, string>();
    const files = sources.map((s) => {
      const file = path.join(tmp, `${s.id}.ts`);
      const text = bundle(s.dir);
      texts.set(file, text);
      fs.writeFileSync(file, text);
      return file;
    });
    const template = path.join(tmp, "starter.template.ts");
    fs.writeFileSync(template, bundle(path.join(exercise.dir, "starter")));
    const report = await new Dolos({ language: "typescript" }).analyzePaths(files, template);
    const idOf = (p: string) => path.basename(p, ".ts");
    const lines = (file: string, from: number, to: number) =>
      (texts.get(file) ?? "")
        .split("\n")
        .slice(from, to + 1)
        .join("\n");
    return report.allPairs().map((pair) => ({
      left: idOf(pair.leftFile.path),
      right: idOf(pair.rightFile.path),
      similarity: Math.round(pair.similarity * 1000) / 1000,
      longest: pair.longest,
      fragments: pair.buildFragments().map((f) => ({
        left: {
          startRow: f.leftSelection.startRow,
          endRow: f.leftSelection.endRow,
          text: lines(pair.leftFile.path, f.leftSelection.startRow, f.leftSelection.endRow),
        },
        right: {
          startRow: f.rightSelection.startRow,
          endRow: f.rightSelection.endRow,
          text: lines(pair.rightFile.path, f.rightSelection.startRow, f.rightSelection.endRow),
        },
      })),
    }));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
