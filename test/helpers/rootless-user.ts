// A throwaway unprivileged user with /etc/subuid and /etc/subgid ranges, for the rootless tiers:
// made with useradd/usermod (root only), removed again with everything it owned. Commands run
// as the user through setpriv with a clean environment and XDG_RUNTIME_DIR set to a 0700
// directory of its own, as a login session has.
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { chmodSync, chownSync, closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { makeRootfs, repoRoot } from "./rootfs.js";
import type { CliResult } from "./cli.js";

/** util-linux's (a busybox setpriv may come first on PATH, as in the qemu guest) */
export const SETPRIV = "/usr/bin/setpriv";

export interface TestUser {
  name: string; uid: number; gid: number;
  /** the first id of its /etc/subuid and /etc/subgid range (65536 ids) */
  sub: number;
  /** a 0755 directory for bundles and the tsrun copy (the repository may not be readable by the user) */
  dir: string;
  /** its XDG_RUNTIME_DIR (0700, its own) */
  xdg: string;
  /** a copy of dist/tsrun the user can run */
  tsrun: string;
  home: string;
}

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")}: ${r.stderr}`);
}

/** useradd a fresh user (a leftover of a killed run with that name is removed first). */
export function makeUser(prefix: string): TestUser {
  assert.equal(process.getuid?.(), 0, "the rootless tier makes a user: it runs as root");
  const name = `${prefix}${process.pid}`.slice(0, 31);
  spawnSync("userdel", ["-r", "-f", name], { stdio: "ignore" });
  const dir = mkdtempSync(join(tmpdir(), `tsrun-${prefix}`));
  chmodSync(dir, 0o755);
  const home = join(dir, "home");
  sh("useradd", ["-M", "-d", home, "-s", "/bin/sh", name]);
  const id = (flag: string): number => Number(spawnSync("id", [flag, name], { encoding: "utf8" }).stdout.trim());
  const uid = id("-u"), gid = id("-g");
  const sub = 400000 + (process.pid % 1000) * 65536;
  sh("usermod", ["--add-subuids", `${sub}-${sub + 65535}`, "--add-subgids", `${sub}-${sub + 65535}`, name]);
  mkdirSync(home, { mode: 0o700 });
  chownSync(home, uid, gid);
  const xdg = join(dir, "xdg");
  mkdirSync(xdg, { mode: 0o700 });
  chownSync(xdg, uid, gid);
  const tsrun = join(dir, "tsrun");
  copyFileSync(join(repoRoot, "dist", "tsrun"), tsrun);
  chmodSync(tsrun, 0o755);
  return { name, uid, gid, sub, dir, xdg, tsrun, home };
}

/** userdel the user, drop its sub-id ranges and its directories. */
export function removeUser(u: TestUser | undefined): void {
  if (!u) return;
  spawnSync("pkill", ["-KILL", "-U", String(u.uid)], { stdio: "ignore" });   // only the test user's processes
  spawnSync("userdel", ["-f", u.name], { stdio: "ignore" });
  rmSync(u.dir, { recursive: true, force: true });
}

/** The environment a login session of the user has (plus what is asked). */
export function userEnv(u: TestUser, extra: Record<string, string | undefined> = {}): string[] {
  const env: Record<string, string | undefined> = {
    PATH: "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", HOME: u.home, USER: u.name, LOGNAME: u.name, XDG_RUNTIME_DIR: u.xdg, ...extra,
  };
  return Object.entries(env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
}

/** Run argv as the user (stdout/stderr through files: a detached container inherits them). */
export function runAs(u: TestUser, argv: string[], opts: SpawnSyncOptions & { env?: Record<string, string | undefined>; cgroup?: string } = {}): CliResult {
  const out = mkdtempSync(join(tmpdir(), "tsrun-rl-out-"));
  const o = openSync(join(out, "out"), "w+"), e = openSync(join(out, "err"), "w+");
  try {
    // cgroup: root moves the process into that (delegated) cgroup first, as a login manager does
    const pre = opts.cgroup ? ["sh", "-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', opts.cgroup] : [];
    const r = spawnSync(pre[0] ?? SETPRIV, [...pre.slice(1), ...(pre.length ? [SETPRIV] : []), "--reuid", String(u.uid), "--regid", String(u.gid), "--init-groups", "env", "-i", ...userEnv(u, opts.env as Record<string, string | undefined>), ...argv], {
      timeout: 120_000, ...opts, env: undefined, stdio: ["ignore", o, e],
    });
    return { status: r.status ?? 128 + 9, stdout: readFileSync(join(out, "out"), "utf8"), stderr: readFileSync(join(out, "err"), "utf8") };
  } finally {
    closeSync(o); closeSync(e);
    rmSync(out, { recursive: true, force: true });
  }
}

/** chown -R a tree to the user. */
export function giveTo(u: TestUser, path: string): void {
  sh("chown", ["-R", `${u.uid}:${u.gid}`, path]);
}

/**
 * A bundle of the user's in u.dir/<name>: a busybox rootfs and the config.json `tsrun spec --rootless`
 * writes when the user runs it, with process.terminal off, then `patch`ed.
 */
export function specBundle(u: TestUser, name: string, patch: (c: any) => void): string {
  const dir = join(u.dir, name);
  mkdirSync(dir);
  makeRootfs(join(dir, "rootfs"), { busybox: true });
  giveTo(u, dir);
  const r = runAs(u, [u.tsrun, "spec", "--rootless", "--bundle", dir]);
  assert.equal(r.status, 0, r.stderr);
  const file = join(dir, "config.json");
  const c = JSON.parse(readFileSync(file, "utf8"));
  c.process.terminal = false;
  patch(c);
  writeFileSync(file, JSON.stringify(c));
  chownSync(file, u.uid, u.gid);
  return dir;
}
