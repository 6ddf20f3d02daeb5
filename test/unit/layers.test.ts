// The layers a newcomer relies on: src/commands/ are thin adapters over the library (src/lib/),
// which owns the lifecycle (src/lifecycle/) and never prints, exits or keeps global state.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../helpers/rootfs.js";

const src = join(repoRoot, "src");
const tsFiles = (dir: string): string[] => readdirSync(join(src, dir)).filter((f) => f.endsWith(".ts")).map((f) => join(dir, f));
const read = (f: string): string => readFileSync(join(src, f), "utf8");
/** Code without comments, so a comment may mention what the code must not do. */
const code = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
const importsOf = (text: string): string[] => [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?from\s+"([^"]+)"/g), ...text.matchAll(/import\("([^"]+)"\)/g)].map((m) => m[1]);

const COMMANDS = tsFiles("commands");
/** What a command may import: node built-ins, the library, and output helpers. */
const ALLOWED = [/^node:/, /^\.\.\/lib\//, /^\.\.\/out\.js$/];
/** The work a command must leave to the library, named so a failure says why. */
const LOWER_LAYERS: Array<[RegExp, string]> = [
  [/\/cgroup\//, "cgroup work"], [/\/sys\//, "kernel calls and sync"], [/\/plan\//, "plan compilation"],
  [/\/userns\.js$/, "user namespaces"], [/\/idmap-helpers\.js$/, "idmapped mounts"], [/\/lifecycle\//, "the lifecycle itself"],
  [/\/state\//, "container state"], [/\/spec\//, "config loading"], [/\/seccomp\//, "seccomp"], [/\/hooks\.js$/, "hooks"],
];

test("every command file is a thin adapter: at most 150 lines", () => {
  assert.ok(COMMANDS.length >= 15, `found only ${COMMANDS.length} command files`);
  for (const f of COMMANDS) {
    const lines = read(f).split("\n").length - 1;
    assert.ok(lines <= 150, `${f}: ${lines} lines (at most 150: move the work into src/lib or src/lifecycle)`);
  }
});

test("commands import only the library and output helpers: no namespace, cgroup or sync work of their own", () => {
  for (const f of COMMANDS) {
    for (const spec of importsOf(read(f))) {
      const layer = LOWER_LAYERS.find(([re]) => re.test(spec));
      assert.ok(!layer, `${f} imports ${spec}: ${layer?.[1]} belongs to the library`);
      assert.ok(ALLOWED.some((re) => re.test(spec)), `${f} imports ${spec}: commands import only ../lib/*, ../out.js and node: modules`);
    }
  }
});

test("the library never writes stdout, never exits the process and keeps no module-level mutable state", () => {
  for (const f of [...tsFiles("lib"), ...tsFiles("lifecycle"), "context.ts"]) {
    const c = code(read(f));
    for (const [re, what] of [[/process\.exit\b/, "process.exit"], [/process\.stdout\b/, "process.stdout"], [/\bwriteStdout\b/, "writeStdout"], [/\bconsole\./, "console"]] as const) {
      assert.ok(!re.test(c), `${f} uses ${what}: the library returns values, the command prints`);
    }
    assert.ok(!/^(?:export\s+)?(?:let|var)\s/m.test(c), `${f} has a module-level let/var: state belongs to a Runtime`);
  }
});
