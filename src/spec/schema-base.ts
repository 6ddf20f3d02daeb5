/**
 * Building blocks for the OCI config schema: zod primitives that carry tsrun's own
 * one-line error wording, so that load.ts only has to prefix "<file>: <json path>: ".
 *
 * Wording rules (the message part after the JSON path):
 *   missing required field        -> "is required"
 *   wrong JSON type               -> "expected <a string|a boolean|an object|an array|...>, got <value>"
 *   uintN out of range / not int  -> "expected a non-negative integer, got <v>"
 *                                    "expected a non-negative integer at most <max>, got <v>"
 *   intN out of range             -> "expected an integer between <min> and <max>, got <v>"
 *   value outside a closed enum   -> "unknown <noun> <quoted value>"
 *   string failing a pattern      -> "invalid <noun> <quoted value>"
 *   empty array that needs items  -> "must have at least one element"
 * <value> is JSON for strings/numbers/booleans/null (strings cut at 64 chars), or
 * "an object" / "an array"; JSON escaping keeps every message on one line.
 */
import { z } from "zod";

// A tsrun process parses a config once, so zod's per-object JIT (new Function) never pays
// off: measured on podman's config, the first parse takes ~20 ms with it and ~8 ms without.
z.config({ jitless: true });

/**
 * The predicate of each custom check, as a JavaScript expression over `v`: written once here, it
 * becomes both the zod check (below) and a line of the validator generated at build time
 * (scripts/gen-validator.mjs → src/spec/fast-check.generated.ts), which accepts a valid config
 * without building or running zod at all.
 */
export const PREDICATES = new WeakMap<object, string>();

/** z.custom whose check is `expr` (an expression over v), registered for the generated validator. */
export function customCheck<T>(expr: string, error: (iss: Issue) => string): z.ZodCustom<T, T> {
  const s = z.custom<T>(new Function("v", `return ${expr};`) as (v: unknown) => boolean, { error });
  PREDICATES.set(s, expr);
  return s;
}

/** Render an offending input value for a message; always a single line. */
export function show(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  switch (typeof v) {
    case "string":
      return v.length > 64 ? `${JSON.stringify(v.slice(0, 64))}...` : JSON.stringify(v);
    case "number":
    case "boolean":
      return String(v);
    case "object":
      return "an object";
    default:
      return typeof v;
  }
}

type Issue = { input?: unknown };

/** Error callback: "is required" for a missing value, else "expected <desc>, got <value>". */
export function expected(desc: string): (iss: Issue) => string {
  return (iss) => (iss.input === undefined ? "is required" : `expected ${desc}, got ${show(iss.input)}`);
}

export const str = z.string({ error: expected("a string") });
export const bool = z.boolean({ error: expected("a boolean") });

export function arr<T extends z.ZodType>(item: T) {
  return z.array(item, { error: expected("an array") });
}

export const strs = arr(str);

/** A JSON array that must not be empty. */
export function nonEmpty<T extends z.ZodType>(item: T) {
  return arr(item).min(1, { error: "must have at least one element" });
}

/**
 * An object that tolerates (and keeps) unknown members, as the runtime-spec requires.
 * Its static type lists only the known members so that typos in tsrun's own code
 * are compile errors; the extra members are still present at runtime.
 */
export function obj<S extends z.ZodRawShape>(shape: S): z.ZodObject<S, z.core.$strip> {
  return z.looseObject(shape, { error: expected("an object") }) as unknown as z.ZodObject<S, z.core.$strip>;
}

/** A JSON object used as a map from string keys to `value`. */
export function map<T extends z.ZodType>(value: T) {
  return z.record(z.string(), value, { error: expected("an object") });
}

export const mapStringString = map(str);

/** A closed set of string values; anything else is `unknown <noun> "<value>"`. */
export function oneOf<const T extends readonly [string, ...string[]]>(noun: string, values: T) {
  return z.enum(values, {
    error: (iss) =>
      typeof iss.input === "string" ? `unknown ${noun} ${show(iss.input)}` : expected("a string")(iss),
  });
}

/** A string that must match `re`; anything else is `invalid <noun> "<value>"`. */
export function pattern(re: RegExp, noun: string) {
  return customCheck<string>(`typeof v === "string" && /${re.source}/${re.flags}.test(v)`,
    (iss) => (typeof iss.input === "string" ? `invalid ${noun} ${show(iss.input)}` : expected("a string")(iss)));
}

/**
 * An integer in [min, max]; bounds are given as decimal strings so that messages show
 * the exact uint64/int64 limits. Numbers come from JSON.parse, so values beyond 2^53
 * are accepted with the precision a double has (the spec's int64/uint64 are numbers here).
 */
function integer(min: string | null, max: string | null): z.ZodCustom<number, number> {
  const lo = min === null ? -Infinity : Number(min);
  const hi = max === null ? Infinity : Number(max);
  const unsigned = lo === 0;
  const desc = unsigned ? "a non-negative integer" : lo === 1 ? "a positive integer" : "an integer";
  const bounds = `${lo === -Infinity ? "" : ` && v >= ${lo}`}${hi === Infinity ? "" : ` && v <= ${hi}`}`;
  return customCheck<number>(`typeof v === "number" && Number.isInteger(v)${bounds}`, (iss) => {
    const v = iss.input;
    if (v === undefined) return "is required";
    if (typeof v !== "number" || !Number.isInteger(v) || (lo >= 0 && v < lo)) return `expected ${desc}, got ${show(v)}`;
    if (lo >= 0) return `expected ${desc} at most ${max}, got ${show(v)}`;
    return `expected an integer between ${min} and ${max}, got ${show(v)}`;
  });
}

export const uint16 = integer("0", "65535");
export const uint32 = integer("0", "4294967295");
export const uint64 = integer("0", "18446744073709551615");
export const int32 = integer("-2147483648", "2147483647");
export const int64 = integer("-9223372036854775808", "9223372036854775807");
/** A seccomp argument index: the kernel's struct seccomp_data has args[6]. */
export const syscallArgIndex = integer("0", "5");
/**
 * A seccomp errnoRet: the spec's type is uint32, but the filter returns it in the 16-bit
 * SECCOMP_RET_DATA field (the kernel then caps an errno at MAX_ERRNO, 4095; SCMP_ACT_TRACE hands
 * all 16 bits to the tracer), so a larger value cannot be encoded and is refused.
 */
export const seccompData = integer("0", "65535");
/** JSON-schema "integer" without bounds (e.g. oomScoreAdj; its range is checked later). */
export const anyInt = integer(null, null);
/** integer, minimum 1 (hook timeout) */
export const positiveInt = integer("1", null);
/**
 * FileMode in decimal. The spec's schema says 0..0777, but podman (Go's os.FileMode) also sends
 * the file type bits (S_IFCHR|0644 = 8612) and runc accepts that: only the permission bits are used.
 */
export const fileMode = integer("0", "4294967295");
