/**
 * Reading and validating config.json (and exec's process.json).
 *
 * Every failure is a TsrunError whose message is ONE line:
 *   <file>: <json path>: <problem>       e.g. config.json: process.args: must have at least one element
 *   <file>: invalid JSON: <parser message>
 *   <file>: expected an object           (the document is not a JSON object)
 *   open `<path>`: <ERRNO>               (the file cannot be read)
 *   bundle `<dir>`: <ERRNO>              (the bundle directory itself is missing or not a directory)
 * Only the first problem is reported. JSON paths use `a.b[2].c`, with `["..."]` for keys
 * that are not identifiers (linux.sysctl["net.ipv4.ip_forward"]).
 *
 * A document the validator generated from the schema (fast-check.generated.ts) accepts is used as
 * it is; zod is loaded, and the schema built, only to word the error for one it rejects (both take
 * ~25 ms of a call's start-up). `require("./schema.js")` is written out so that Bun's compiler embeds
 * the schema lazily; node (>= 20.19) requires the ES module the same way.
 *
 * On top of the schema, the rules of semantic.ts (relations between members, NUL bytes) are
 * worded the same way.
 */
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { TsrunError, sysError } from "../errors.js";
import type { LinuxResources, Process, Spec } from "./schema.js";
import { checkDepth } from "./depth.js";
import { validProcess, validResources, validSpec } from "./fast-check.generated.js";
import { processProblem, specProblem } from "./semantic.js";

export type { Process, Spec } from "./schema.js";

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Escape control and line-separator characters so that a message stays on one line. */
export function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) =>
    c === "\n" ? "\\n" : c === "\r" ? "\\r" : c === "\t" ? "\\t" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** ["linux", "namespaces", 2, "type"] -> "linux.namespaces[2].type" */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else {
      const key = String(seg);
      if (IDENT.test(key)) out += out === "" ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

function fail(file: string, path: readonly PropertyKey[], problem: string): never {
  const where = path.length > 0 ? `${formatPath(path)}: ` : "";
  throw new TsrunError(oneLine(`${file}: ${where}${problem}`));
}

function parseJson(text: string, file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new TsrunError(oneLine(`${file}: invalid JSON: ${(err as Error).message}`));
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new TsrunError(oneLine(`${file}: expected an object`));
  }
  return doc as Record<string, unknown>;
}

type Schemas = typeof import("./schema.js");
let schemas: Schemas | undefined;
function zodSchemas(): Schemas {
  return (schemas ??= typeof require === "function" ? require("./schema.js")
    : process.getBuiltinModule("node:module").createRequire(import.meta.url)("./schema.js")); // as in sys/ffi.ts: loaded only here
}

function validate<T>(fast: (v: unknown) => boolean, which: "specSchema" | "processSchema" | "resourcesSchema", doc: unknown, file: string): T {
  if (fast(doc)) return doc as T;
  const r = zodSchemas()[which].safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    fail(file, issue.path, issue.message);
  }
  return r.data as T;
}

/** Validate the text of a config.json; `file` is the name used as the message prefix. */
export function parseSpec(text: string, file = "config.json"): Spec {
  checkDepth(text, file);
  const spec = validate<Spec>(validSpec, "specSchema", parseJson(text, file), file);
  const p = specProblem(spec);
  if (p) fail(file, p[0], p[1]);
  return spec;
}

/** Validate the text of an exec process.json (a bare process object). */
export function parseProcess(text: string, file = "process.json"): Process {
  checkDepth(text, file);
  const proc = validate<Process>(validProcess, "processSchema", parseJson(text, file), file);
  const p = processProblem(proc);
  if (p) fail(file, p[0], p[1]);
  return proc;
}

/** JSON null as Go's decoder reads it into runc's structs: the member is absent. */
function dropNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropNulls);
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = dropNulls(x);
  return out;
}

/**
 * Validate the text of an `update -r` document (a linux.resources object, as runc takes it; a null
 * member counts as absent). `file` prefixes messages: `update -r <file>: memory.limit: ...`.
 */
export function parseResources(text: string, file: string): LinuxResources {
  checkDepth(text, file);
  return checkResources(dropNulls(parseJson(text, file)), file);
}

/** Check a linux.resources object built in memory (from `update`'s flags); `what` prefixes messages. */
export function checkResources(res: unknown, what: string): LinuxResources {
  return validate<LinuxResources>(validResources, "resourcesSchema", res, what);
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw sysError("open", oneLine(path), err);
  }
}

/** Read and validate `<bundleDir>/config.json`. */
export function loadSpec(bundleDir: string): Spec {
  let st;
  try {
    st = statSync(bundleDir);
  } catch (err) {
    throw sysError("bundle", oneLine(bundleDir), err);
  }
  if (!st.isDirectory()) throw new TsrunError(`bundle \`${oneLine(bundleDir)}\`: ENOTDIR`, "ENOTDIR");
  return parseSpec(readText(join(bundleDir, "config.json")), "config.json");
}

/** Read and validate the process.json given to `exec --process <file>`; `file` prefixes messages. */
export function loadProcess(file: string): Process {
  return parseProcess(readText(file), oneLine(file));
}

/** The container's root directory: root.path resolved against the bundle; one line when it is not a directory. */
export function rootfsDir(bundleDir: string, spec: Spec): string {
  const rootfs = resolve(bundleDir, spec.root!.path);
  let st;
  try { st = statSync(rootfs); } catch (e) { throw new TsrunError(`config.json: root.path: stat \`${rootfs}\`: ${(e as NodeJS.ErrnoException).code}`); }
  if (!st.isDirectory()) throw new TsrunError(`config.json: root.path: \`${rootfs}\` is not a directory`);
  return rootfs;
}
