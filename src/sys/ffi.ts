/**
 * The one place that loads koffi, libc and libtsrun.so, once each, for every module under src/sys/.
 *
 * Where the native files are (NativeAssets): by default native/build/ of the tree this module runs
 * from. The compiled executable (scripts/bun-entry.mjs) registers the copies embedded in it instead;
 * libtsrun.so is then loaded from a memfd, since an embedded file has no path dlopen can open.
 * koffi: the compiled executable hands over its one embedded native module (NativeAssets.koffi);
 * node loads the koffi package (createRequire, which Bun's compiler does not follow, so the
 * executable does not embed koffi's 18 platform builds).
 */
import { dirname, join } from "node:path";
import { existsSync, readFileSync, writeSync } from "node:fs";
import { TsrunError, errnoName, errnoText } from "../errors.js";

export interface NativeAssets {
  libtsrun: string;   // libtsrun.so
  init: string;       // tsrun-init, the static program every container process starts as
  embedded: boolean;  // inside the compiled executable: readable, but not a file dlopen can open
  /** koffi's native module for this platform (the compiled executable embeds only that one). */
  koffi?: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

let assets: NativeAssets | undefined;

/** The compiled executable's entry calls this before anything loads. */
export function setNativeAssets(a: NativeAssets): void { assets = a; }

export function nativeAssets(): NativeAssets {
  if (assets) return assets;
  const here = dirname(process.getBuiltinModule("node:url").fileURLToPath(import.meta.url)); // node only: not loaded at start
  for (const up of ["../../..", "../.."]) {           // dist/src/sys/ or src/sys/
    const dir = join(here, up, "native", "build");
    if (existsSync(join(dir, "libtsrun.so"))) return (assets = { libtsrun: join(dir, "libtsrun.so"), init: join(dir, "tsrun-init"), embedded: false });
  }
  throw new TsrunError("load `native/build/libtsrun.so`: ENOENT (run npm run build)", "ENOENT");
}

/* eslint-disable @typescript-eslint/no-explicit-any */
let k: any, c: any, t: any;

// node: koffi's native module for this platform directly (its index.js loads https, crypto and zlib)
const NATIVE: Record<string, string> = { x64: "koffi/build/koffi/linux_x64/koffi.node", arm64: "koffi/build/koffi/linux_arm64/koffi.node" };

export function koffi(): any {
  if (k) return k;
  if (assets?.koffi) return (k = assets.koffi());
  const req = process.getBuiltinModule("node:module").createRequire(import.meta.url);
  return (k = req((process.platform === "linux" && NATIVE[process.arch]) || "koffi"));
}

export function libc(): any {
  return (c ??= koffi().load("libc.so.6"));
}

export function libtsrun(): any {
  if (t) return t;
  const a = nativeAssets();
  if (!a.embedded) return (t = koffi().load(a.libtsrun));
  const bytes = readFileSync(a.libtsrun);
  const fd = libc().func("int memfd_create(const char *, unsigned int)")("libtsrun.so", 1 /* MFD_CLOEXEC */);
  if (fd < 0) { const e = errnoName(koffi().errno()); throw new TsrunError(`memfd_create \`libtsrun.so\`: ${errnoText(e)}`, e); }
  for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
  return (t = koffi().load(`/proc/self/fd/${fd}`));
}

/** The bytes of tsrun-init, to seal into a memfd. */
export function initBytes(): Buffer {
  const path = nativeAssets().init;
  try { return readFileSync(path); } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "EIO";
    throw new TsrunError(`read \`${path}\`: ${code} (run npm run build)`, code);
  }
}
