// A deterministic, seeded mutator for config.json files (the fuzz test and npm run fuzz).
// Each case is raw bytes: most are JSON mutations (wrong types, huge values, deep nesting,
// 10 MB strings, negative ids, NUL bytes in paths), some are byte-level (invalid UTF-8, cuts).

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type J = null | boolean | number | string | J[] | { [k: string]: J };
type Path = Array<string | number>;

function paths(v: J, p: Path = [], out: Path[] = []): Path[] {
  out.push(p);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...p, i], out));
  else if (v && typeof v === "object") for (const k of Object.keys(v)) paths(v[k], [...p, k], out);
  return out;
}

function setAt(root: J, p: Path, val: J | undefined): J {
  if (p.length === 0) return val ?? null;
  let cur = root as Record<string | number, J>;
  for (const k of p.slice(0, -1)) cur = cur[k] as Record<string | number, J>;
  const last = p[p.length - 1];
  if (val === undefined) { if (Array.isArray(cur)) cur.splice(last as number, 1); else delete cur[last]; } else cur[last] = val;
  return root;
}

const getAt = (root: J, p: Path): J => p.reduce<J>((c, k) => (c as Record<string | number, J>)[k], root);

export interface FuzzCase { name: string; bytes: Buffer }

const PATHS_WITH_FILES: Path[] = [["root", "path"], ["process", "cwd"], ["process", "args", 0], ["mounts", 0, "destination"], ["mounts", 0, "source"], ["hostname"], ["linux", "cgroupsPath"]];
const IDS: Path[] = [["process", "user", "uid"], ["process", "user", "gid"], ["linux", "uidMappings", 0, "hostID"], ["linux", "uidMappings", 0, "size"], ["process", "user", "additionalGids", 0], ["process", "rlimits", 0, "hard"], ["process", "oomScoreAdj"], ["linux", "resources", "memory", "limit"], ["linux", "resources", "pids", "limit"], ["linux", "resources", "cpu", "shares"]];

export function mutate(base: J, r: () => number): FuzzCase {
  const doc = structuredClone(base);
  const all = paths(doc).filter((p) => p.length > 0);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const kind = Math.floor(r() * 11);
  const p = pick(all);
  const text = (v: J) => Buffer.from(JSON.stringify(v));
  switch (kind) {
    case 0: { // wrong type
      const vals: J[] = [null, true, 0, -1, "x", [], {}, [1, "a"], { a: 1 }, 1.5];
      return { name: `type ${p.join(".")}`, bytes: text(setAt(doc, p, pick(vals))) };
    }
    case 1: { // huge or negative numbers (also written as raw text JSON cannot round-trip)
      const nums = ["1e400", "-1e400", "18446744073709551616", "-9223372036854775809", "4294967296", "-1", "2147483648", "0.5", "1e-400"];
      const target = r() < 0.6 ? pick(IDS) : p;
      const marker = "__NUM__";
      try { setAt(ensure(doc, target), target, marker); } catch { setAt(doc, p, marker); }
      const n = pick(nums);
      return { name: `number ${target.join(".")}=${n}`, bytes: Buffer.from(JSON.stringify(doc).replace(`"${marker}"`, n)) };
    }
    case 2: { // deep nesting
      const depth = pick([100, 5000, 200000]);
      const marker = "__DEEP__";
      setAt(doc, p, marker);
      const open = r() < 0.5 ? "[" : '{"a":';
      const close = open === "[" ? "]" : "}";
      return { name: `nest ${depth} at ${p.join(".")}`, bytes: Buffer.from(JSON.stringify(doc).replace(`"${marker}"`, open.repeat(depth) + "1" + close.repeat(depth))) };
    }
    case 3: { // invalid UTF-8 inside a string
      const s = Buffer.from(JSON.stringify(doc));
      const q = s.indexOf(0x22, Math.floor(r() * s.length));
      const at = q < 0 ? 1 : q + 1;
      const bad = pick([[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xf0, 0x28, 0x8c, 0x28], [0xed, 0xa0, 0x80]]);
      return { name: `utf8 at ${at}`, bytes: Buffer.concat([s.subarray(0, at), Buffer.from(bad), s.subarray(at)]) };
    }
    case 4: { // 10 MB string
      const target = r() < 0.7 ? pick(PATHS_WITH_FILES) : p;
      try { setAt(ensure(doc, target), target, "A".repeat(10 << 20)); } catch { setAt(doc, p, "A".repeat(10 << 20)); }
      return { name: `10MB ${target.join(".")}`, bytes: text(doc) };
    }
    case 5: { // negative ids
      const target = pick(IDS);
      try { setAt(ensure(doc, target), target, -Math.floor(1 + r() * 70000)); } catch { setAt(doc, p, -1); }
      return { name: `negative ${target.join(".")}`, bytes: text(doc) };
    }
    case 6: { // NUL bytes in paths
      const target = pick(PATHS_WITH_FILES);
      try { setAt(ensure(doc, target), target, pick(["/bin/\u0000sh", "\u0000", "rootfs\u0000/../x", "/a\u0000b"])); } catch { setAt(doc, p, "\u0000"); }
      return { name: `NUL ${target.join(".")}`, bytes: text(doc) };
    }
    case 7: // a member removed
      return { name: `drop ${p.join(".")}`, bytes: text(setAt(doc, p, undefined)) };
    case 8: { // truncated file
      const s = Buffer.from(JSON.stringify(doc));
      const n = Math.floor(r() * s.length);
      return { name: `cut at ${n}`, bytes: s.subarray(0, n) };
    }
    case 9: { // strings where paths go: relative, .., empty, very long components
      const target = pick(PATHS_WITH_FILES);
      try { setAt(ensure(doc, target), target, pick(["", "..", "../../../../etc", "relative/x", "/" + "x".repeat(5000), "//", "/proc/self/fd/0"])); } catch { /* keep */ }
      return { name: `path ${target.join(".")}`, bytes: text(doc) };
    }
    default: { // a random value swapped with another member's value
      const q = pick(all);
      let v: J;
      try { v = structuredClone(getAt(doc, q)); } catch { v = null; }
      try { setAt(doc, p, v); } catch { /* p under q */ }
      return { name: `swap ${p.join(".")}<-${q.join(".")}`, bytes: text(doc) };
    }
  }
}

/** Make the containers along `p` exist (objects, or arrays for numeric keys). */
function ensure(doc: J, p: Path): J {
  let cur = doc as Record<string | number, J>;
  p.slice(0, -1).forEach((k, i) => {
    if (cur[k] === undefined || cur[k] === null || typeof cur[k] !== "object") cur[k] = typeof p[i + 1] === "number" ? [] : {};
    cur = cur[k] as Record<string | number, J>;
  });
  return doc;
}
