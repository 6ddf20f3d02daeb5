/**
 * The checks on a config that its schema cannot state: relations between members, and what
 * C strings cannot carry. They run on a document the schema has accepted, are pure (no file
 * system, no host probe), and each finds one problem as `[json path, message]`; load.ts words
 * it `config.json: <path>: <message>`. One row per rule:
 *   - a namespace type appears at most once:  linux.namespaces[3].type: duplicate namespace "pid"
 *   - seccomp: an empty defaultAction only without syscalls; SCMP_ACT_NOTIFY not as the default,
 *     never for write (init reports the listener fd with write(2), as in runc), and only with a
 *     listenerPath;
 *   - no string (or object key) under process, root, mounts, hooks, hostname, domainname or linux
 *     contains a NUL byte, since those end up as C strings:  root.path: contains a NUL byte
 *     (annotations and unknown top-level members are not checked).
 * Checks that depend on the host's files are the executor's, at the moment it acts
 * (native/mountcheck.c); checks that depend on the host's libseccomp or kernel are made where
 * the filter is compiled (src/seccomp/compile.ts).
 */
import type { Process, Spec } from "./schema.js";

export type Problem = [path: PropertyKey[], message: string];
type Rule = (spec: Spec) => Problem | undefined;

function duplicateNamespace(spec: Spec): Problem | undefined {
  const seen = new Set<string>();
  const list = spec.linux?.namespaces ?? [];
  for (let i = 0; i < list.length; i++) {
    if (seen.has(list[i].type)) return [["linux", "namespaces", i, "type"], `duplicate namespace ${JSON.stringify(list[i].type)}`];
    seen.add(list[i].type);
  }
  return undefined;
}

function seccomp(spec: Spec): Problem | undefined {
  const s = spec.linux?.seccomp;
  if (!s) return undefined;
  const at = (...p: PropertyKey[]): PropertyKey[] => ["linux", "seccomp", ...p];
  const rules = s.syscalls ?? [];
  if (s.defaultAction === "" && rules.length > 0) return [at("defaultAction"), "must name an action when syscalls are given"];
  if (s.defaultAction === "SCMP_ACT_NOTIFY") return [at("defaultAction"), "SCMP_ACT_NOTIFY cannot be the default action"];
  for (let i = 0; i < rules.length; i++) {
    const j = rules[i].action === "SCMP_ACT_NOTIFY" ? rules[i].names.indexOf("write") : -1;
    if (j >= 0) return [at("syscalls", i, "names", j), "SCMP_ACT_NOTIFY cannot be used for the write syscall"];
  }
  if (!s.listenerPath && rules.some((r) => r.action === "SCMP_ACT_NOTIFY")) {
    return [at("listenerPath"), "is required when a rule uses SCMP_ACT_NOTIFY"];
  }
  return undefined;
}

/**
 * Path (relative to `value`) of the first string or key containing a NUL byte, or null. The path is
 * built only on the way back out, so the common case (no NUL) allocates nothing per node.
 */
function findNul(value: unknown): PropertyKey[] | null {
  if (typeof value === "string") return value.includes("\0") ? [] : null;
  if (value === null || typeof value !== "object") return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = findNul(value[i]);
      if (p) { p.unshift(i); return p; }
    }
    return null;
  }
  for (const k of Object.keys(value)) {
    if (k.includes("\0")) return [k];
    const p = findNul((value as Record<string, unknown>)[k]);
    if (p) { p.unshift(k); return p; }
  }
  return null;
}

function nulIn(doc: Record<string, unknown>, members: readonly string[] | null): Problem | undefined {
  for (const key of members ?? Object.keys(doc)) {
    if (!(key in doc)) continue;
    const p = findNul(doc[key]);
    if (p) return [[key, ...p], "contains a NUL byte"];
  }
  return undefined;
}

const C_STRING_MEMBERS = ["root", "mounts", "process", "hostname", "domainname", "hooks", "linux"] as const;

const SPEC_RULES: readonly Rule[] = [
  duplicateNamespace,
  seccomp,
  (spec) => nulIn(spec as Record<string, unknown>, C_STRING_MEMBERS),
];

/** The first problem of a schema-valid config.json, or undefined. */
export function specProblem(spec: Spec): Problem | undefined {
  for (const rule of SPEC_RULES) {
    const p = rule(spec);
    if (p) return p;
  }
  return undefined;
}

/** The first problem of a schema-valid exec process.json, or undefined. */
export function processProblem(proc: Process): Problem | undefined {
  return nulIn(proc as Record<string, unknown>, null);
}
