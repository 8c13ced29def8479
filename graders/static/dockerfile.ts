/**
 * A small Dockerfile parser for the static rules: instructions with their first line,
 * line continuations (and the `# escape=` directive), comments, heredocs (`RUN <<EOF`), and
 * stages. It reads the file as BuildKit would closely enough to check rules; it runs nothing.
 */

export type Instruction = {
  /** Upper-case keyword: FROM, RUN, COPY, … */
  keyword: string;
  /** Everything after the keyword, continuations joined with a space, heredoc bodies appended. */
  args: string;
  /** 1-based line where the instruction starts. */
  line: number;
};

export type Stage = {
  index: number;
  /** `AS name`, lower-cased (stage names are case-insensitive), or null. */
  name: string | null;
  /** The image (or earlier stage) it is built FROM, with global ARG defaults substituted. */
  base: string;
  /** The FROM as written. */
  rawBase: string;
  /** The earlier stage this one builds on (`FROM build AS test`), if any. */
  baseStage: number | null;
  line: number;
  instructions: Instruction[];
};

export type Dockerfile = { instructions: Instruction[]; globalArgs: Instruction[]; stages: Stage[] };

export function parseDockerfile(text: string): Dockerfile {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  let escape = "\\";
  // Parser directives: only at the very top, before any other comment or instruction.
  for (const l of lines) {
    const m = /^\s*#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(l);
    if (!m) break;
    if (m[1]!.toLowerCase() === "escape" && (m[2] === "`" || m[2] === "\\")) escape = m[2];
  }

  const instructions: Instruction[] = [];
  let i = 0;
  while (i < lines.length) {
    const first = lines[i]!;
    if (/^\s*(#|$)/.test(first)) {
      i++;
      continue;
    }
    const line = i + 1;
    let text_ = "";
    // Join continuation lines; comment lines inside a continuation are dropped, as BuildKit does.
    for (;;) {
      const raw = lines[i]!;
      i++;
      const trimmed = raw.replace(/\s+$/, "");
      if (trimmed.endsWith(escape)) {
        text_ += trimmed.slice(0, -1) + " ";
        while (i < lines.length && /^\s*(#.*)?$/.test(lines[i]!)) i++;
        if (i >= lines.length) break;
        continue;
      }
      text_ += raw;
      break;
    }
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(text_);
    if (!m) continue;
    const keyword = m[1]!.toUpperCase();
    let args = m[2]!.trim();
    // Heredocs: RUN <<EOF … EOF (several per instruction are allowed).
    if (keyword === "RUN" || keyword === "COPY" || keyword === "ADD") {
      for (const h of args.matchAll(/<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g)) {
        const strip = h[1] === "-";
        const end = h[3]!;
        const body: string[] = [];
        while (i < lines.length) {
          const l = lines[i]!;
          i++;
          if ((strip ? l.replace(/^\t+/, "") : l) === end) break;
          body.push(l);
        }
        args += "\n" + body.join("\n");
      }
    }
    instructions.push({ keyword, args, line });
  }

  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  const vars = new Map<string, string>();
  for (const ins of instructions) {
    if (ins.keyword === "FROM") {
      const words = splitWords(ins.args).filter((w) => !w.startsWith("--"));
      const rawBase = words[0] ?? "";
      const name = words[1]?.toUpperCase() === "AS" && words[2] ? words[2].toLowerCase() : null;
      const base = substitute(rawBase, vars);
      const baseStage = stageRef(stages, base);
      stages.push({ index: stages.length, name, base, rawBase, baseStage, line: ins.line, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (stage) stage.instructions.push(ins);
    else if (ins.keyword === "ARG") {
      globalArgs.push(ins);
      for (const [k, v] of argPairs(ins.args)) if (v !== null) vars.set(k, substitute(v, vars));
    }
  }
  return { instructions, globalArgs, stages };
}

/** The index of an earlier stage named (or numbered) `ref`, else null. */
export function stageRef(stages: Stage[], ref: string): number | null {
  const r = ref.toLowerCase();
  const byName = stages.find((s) => s.name === r);
  if (byName) return byName.index;
  if (/^\d+$/.test(r) && Number(r) < stages.length) return Number(r);
  return null;
}

/** `$VAR`, `${VAR}`, `${VAR:-default}` from known ARG defaults; unknown ones stay as written. */
export function substitute(s: string, vars: Map<string, string>): string {
  return s.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (all, a: string | undefined, def: string | undefined, b: string | undefined) => {
      const v = vars.get((a ?? b)!);
      if (v !== undefined && v !== "") return v;
      return def !== undefined ? def : all;
    },
  );
}

/** Splits arguments on whitespace, honouring single and double quotes (quotes are removed). */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: string | null = null;
  let has = false;
  for (let k = 0; k < s.length; k++) {
    const c = s[k]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && k + 1 < s.length) cur += s[++k];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
    }
  }
  if (has || cur) out.push(cur);
  return out;
}

/** `ARG A=1 B` → [["A","1"],["B",null]]. */
export function argPairs(args: string): [string, string | null][] {
  return splitWords(args).map((w) => {
    const eq = w.indexOf("=");
    return eq < 0 ? [w, null] : [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** `ENV A=1 B="x y"` or the legacy `ENV A some value` → pairs. */
export function envPairs(args: string): [string, string][] {
  const words = splitWords(args);
  if (words.length === 0) return [];
  if (!words[0]!.includes("=")) {
    const m = /^\s*(\S+)\s+([\s\S]*)$/.exec(args);
    return m ? [[m[1]!, splitWords(m[2]!).join(" ")]] : [[words[0]!, ""]];
  }
  return words.map((w) => {
    const eq = w.indexOf("=");
    return eq < 0 ? [w, ""] : [w.slice(0, eq), w.slice(eq + 1)];
  });
}

export type CopyArgs = { flags: Map<string, string>; sources: string[]; dest: string | null; heredoc: boolean };

/** COPY/ADD: `--from=…`-style flags, sources and destination (shell or JSON form). */
export function copyArgs(args: string): CopyArgs {
  const flags = new Map<string, string>();
  let rest = args.split("\n")[0]!.trim();
  for (;;) {
    const m = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(rest);
    if (!m) break;
    flags.set(m[1]!, m[2] ?? "true");
    rest = rest.slice(m[0].length);
  }
  let words: string[];
  if (rest.startsWith("[")) {
    try {
      const parsed: unknown = JSON.parse(rest);
      words = Array.isArray(parsed) ? parsed.map(String) : splitWords(rest);
    } catch {
      words = splitWords(rest);
    }
  } else {
    words = splitWords(rest);
  }
  const heredoc = words.some((w) => w.startsWith("<<"));
  return { flags, sources: words.slice(0, -1), dest: words.at(-1) ?? null, heredoc };
}

export type ImageRef = { name: string; tag: string | null; digest: string | null };

/** `registry:5000/team/app:1.2@sha256:…` → name, tag, digest. */
export function parseImage(ref: string): ImageRef {
  const at = ref.indexOf("@");
  const digest = at >= 0 ? ref.slice(at + 1) : null;
  const noDigest = at >= 0 ? ref.slice(0, at) : ref;
  const slash = noDigest.lastIndexOf("/");
  const colon = noDigest.lastIndexOf(":");
  if (colon > slash) return { name: noDigest.slice(0, colon), tag: noDigest.slice(colon + 1), digest };
  return { name: noDigest, tag: null, digest };
}

/** The last instruction with `keyword` in a stage, following `FROM <earlier stage>` upwards. */
export function effective(df: Dockerfile, stage: Stage, keyword: string): { ins: Instruction; stage: Stage } | null {
  for (let s: Stage | undefined = stage, hops = 0; s && hops <= df.stages.length; hops++) {
    const ins = s.instructions.filter((x) => x.keyword === keyword).at(-1);
    if (ins) return { ins, stage: s };
    s = s.baseStage === null ? undefined : df.stages[s.baseStage];
  }
  return null;
}

/** How a stage is shown in messages: `stage "build" (line 1)` or `stage 2 (line 9)`. */
export function stageLabel(s: Stage): string {
  return s.name ? `stage "${s.name}" (line ${s.line})` : `stage ${s.index + 1} (line ${s.line})`;
}
