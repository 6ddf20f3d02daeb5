// Synthetic root filesystems and OCI bundles for tsrun's tests.
//
// makeRootfs(dir)            a minimal rootfs with /bin/tsrun-testhelper
// makeBundle(dir, patch)     dir/config.json (base-config.json deep-merged with
//                            patch) plus a rootfs at dir/rootfs
//
// Both work without root. The base config mirrors `runc spec` (see
// base-config.json); note that, like runc's, it has root.readonly = true, so a
// test that writes into the rootfs patches { root: { readonly: false } }.
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };
/** A patch for deepMerge: like the target, but any key may be omitted, and null deletes a key. */
export type ConfigPatch = { [key: string]: unknown };

export interface RootfsOptions {
  /** Also install /bin/busybox and its applet symlinks (sh, ls, cat, ...). */
  busybox?: boolean;
}

/** Applets linked to /bin/busybox when RootfsOptions.busybox is set. */
export const BUSYBOX_APPLETS: readonly string[] = [
  "sh", "ls", "cat", "echo", "id", "sleep", "mkdir", "true", "false", "env", "hostname", "ps",
  "grep", "readlink", "mount", "kill", "wc", "head", "seq", "touch", "stat", "chmod", "test", "[",
];

const HOST_BUSYBOX = "/bin/busybox";

function findRepoRoot(): string {
  // Compiled: dist/test/helpers/rootfs.js -> ../../.. is the repository root.
  // Walk further up if run from elsewhere (e.g. straight from the .ts source).
  const here = dirname(fileURLToPath(import.meta.url));
  for (let d = here, prev = ""; d !== prev; prev = d, d = dirname(d)) {
    if (existsSync(join(d, "native", "Makefile")) && existsSync(join(d, "package.json"))) return d;
  }
  return resolve(here, "..", "..", "..");
}

/** Absolute path of the repository root. */
export const repoRoot: string = findRepoRoot();
/** Absolute path of the built static test helper (make -C native). */
export const testhelperPath: string = join(repoRoot, "native", "build", "tsrun-testhelper");
/** Absolute path of the base config (equivalent to `runc spec`, adapted for tests). */
export const baseConfigPath: string = join(repoRoot, "test", "helpers", "base-config.json");

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Returns a new value: target deep-merged with patch. Plain objects merge key
 * by key; arrays and scalars in patch replace; a null in patch deletes the key;
 * undefined is ignored. Neither argument is modified.
 */
export function deepMerge<T>(target: T, patch: unknown): T {
  if (!isPlainObject(patch) || !isPlainObject(target)) {
    return (patch === undefined ? structuredClone(target) : structuredClone(patch)) as T;
  }
  const out: Record<string, unknown> = structuredClone(target);
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete out[key];
    else if (isPlainObject(value) && isPlainObject(out[key])) out[key] = deepMerge(out[key], value);
    else out[key] = structuredClone(value);
  }
  return out as T;
}

/** A fresh copy of the base config. */
export function baseConfig(): JsonObject {
  return JSON.parse(readFileSync(baseConfigPath, "utf8")) as JsonObject;
}

function mkdirMode(path: string, mode: number): void {
  mkdirSync(path, { recursive: true });
  chmodSync(path, mode); // explicit: mkdir's mode is filtered by the umask
}

function replaceSymlink(target: string, path: string): void {
  rmSync(path, { force: true, recursive: true });
  symlinkSync(target, path);
}

/**
 * Builds a synthetic rootfs at dir (created if needed; calling it again on the
 * same dir is fine): bin dev proc sys etc tmp(1777) root(0700) run,
 * /bin/tsrun-testhelper, /etc/passwd and /etc/group (root, nobody), and with
 * busybox: true also /bin/busybox plus BUSYBOX_APPLETS as symlinks to it.
 * Returns the absolute rootfs path.
 */
export function makeRootfs(dir: string, opts: RootfsOptions = {}): string {
  const root = resolve(dir);
  if (!existsSync(testhelperPath)) {
    throw new Error(`${testhelperPath} is missing; build it with "make -C native build/tsrun-testhelper"`);
  }
  mkdirSync(root, { recursive: true });
  for (const d of ["bin", "dev", "proc", "sys", "etc", "run"]) mkdirMode(join(root, d), 0o755);
  mkdirMode(join(root, "tmp"), 0o1777);
  mkdirMode(join(root, "root"), 0o700);

  const helper = join(root, "bin", "tsrun-testhelper");
  rmSync(helper, { force: true });
  copyFileSync(testhelperPath, helper);
  chmodSync(helper, 0o755);

  if (opts.busybox) {
    if (!existsSync(HOST_BUSYBOX)) throw new Error(`${HOST_BUSYBOX} is missing; install busybox-static`);
    const bb = join(root, "bin", "busybox");
    rmSync(bb, { force: true });
    copyFileSync(HOST_BUSYBOX, bb);
    chmodSync(bb, 0o755);
    for (const applet of BUSYBOX_APPLETS) replaceSymlink("busybox", join(root, "bin", applet));
  }

  writeFileSync(
    join(root, "etc", "passwd"),
    "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
    { mode: 0o644 },
  );
  writeFileSync(join(root, "etc", "group"), "root:x:0:\ntty:x:5:\nnobody:x:65534:\n", { mode: 0o644 });
  return root;
}

/**
 * Writes dir/config.json (the base config deep-merged with configPatch, see
 * deepMerge) and builds the rootfs at dir/rootfs. Returns the absolute bundle
 * dir. configPatch.root.path, if given, names the rootfs dir instead.
 */
export function makeBundle(dir: string, configPatch: ConfigPatch = {}, opts: RootfsOptions = {}): string {
  const bundle = resolve(dir);
  mkdirSync(bundle, { recursive: true });
  const config = deepMerge(baseConfig(), configPatch);
  const rootPath = (config["root"] as { path?: unknown } | undefined)?.path;
  makeRootfs(resolve(bundle, typeof rootPath === "string" ? rootPath : "rootfs"), opts);
  writeFileSync(join(bundle, "config.json"), JSON.stringify(config, null, 2) + "\n");
  return bundle;
}

/** linux.namespaces and maps of a user-namespace container whose root is host 100000 (range 65536). */
export function mappedUserns(): JsonObject {
  return {
    namespaces: ["pid", "mount", "ipc", "uts", "network", "cgroup", "user"].map((type) => ({ type })),
    uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
    gidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
  };
}
