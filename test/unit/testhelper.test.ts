// Runs the static test helper (native/build/tsrun-testhelper) directly, outside
// any container, to pin down the output formats integration tests rely on; and
// checks the rootfs/bundle builders. Needs no root.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeBundle, makeRootfs, testhelperPath } from "../helpers/rootfs.js";

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: NodeJS.ProcessEnv = process.env): Result {
  const r = spawnSync(testhelperPath, args, { encoding: "utf8", env, stdio: ["ignore", "pipe", "pipe"] });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let tmp = "";
before(() => {
  assert.ok(existsSync(testhelperPath), `${testhelperPath} missing: run "make -C native"`);
  tmp = mkdtempSync(join(tmpdir(), "tsrun-testhelper-"));
});
after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("tsrun-testhelper", () => {
  it("echo joins its arguments with spaces", () => {
    const r = run(["echo", "hello", "big  world"]);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, "hello big  world\n");
    assert.equal(r.stderr, "");
  });

  it("printenv prints one value, or all entries, and fails on a missing name", () => {
    const env = { TSRUN_A: "one", TSRUN_B: "two=2" };
    assert.equal(run(["printenv", "TSRUN_B"], env).stdout, "two=2\n");
    const all = run(["printenv"], env);
    assert.equal(all.status, 0);
    assert.deepEqual(all.stdout.split("\n").filter(Boolean).sort(), ["TSRUN_A=one", "TSRUN_B=two=2"]);
    const missing = run(["printenv", "TSRUN_NOPE"], env);
    assert.equal(missing.status, 1);
    assert.equal(missing.stdout, "");
    assert.match(missing.stderr, /^tsrun-testhelper printenv: .*\n$/);
  });

  it("exit N exits with status N", () => {
    assert.equal(run(["exit", "3"]).status, 3);
    assert.equal(run(["exit", "0"]).status, 0);
    assert.equal(run(["exit", "nope"]).status, 2);
  });

  it("id prints uid=U gid=G groups=... numerically", () => {
    const r = run(["id"]);
    assert.equal(r.status, 0);
    const m = /^uid=(\d+) gid=(\d+) groups=((?:\d+(?:,\d+)*)?)\n$/.exec(r.stdout);
    assert.ok(m, `unexpected id output ${JSON.stringify(r.stdout)}`);
    assert.equal(Number(m[1]), process.getuid?.());
    assert.equal(Number(m[2]), process.getgid?.());
  });

  it("umask prints 4 octal digits", () => {
    const r = run(["umask"]);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^0[0-7]{3}\n$/);
    assert.equal(r.stdout, (process.umask() & 0o777).toString(8).padStart(4, "0") + "\n");
  });

  it("ls lists names sorted bytewise without . and ..", () => {
    const d = join(tmp, "ls");
    mkdirSync(d);
    for (const n of ["b", "a", "Z", ".hidden", "a2"]) writeFileSync(join(d, n), "");
    const r = run(["ls", d]);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, ".hidden\nZ\na\na2\nb\n");
    const bad = run(["ls", join(tmp, "missing")]);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /ENOENT/);
  });

  it("stat prints uid gid mode type from lstat", () => {
    const f = join(tmp, "stat-file");
    writeFileSync(f, "x", { mode: 0o640 });
    const st = statSync(f);
    const mode = (st.mode & 0o7777).toString(8).padStart(4, "0");
    assert.equal(run(["stat", f]).stdout, `${st.uid} ${st.gid} ${mode} file\n`);
    assert.match(run(["stat", tmp]).stdout, /^\d+ \d+ 0[0-7]{3} dir\n$/);
  });

  it("write, cat and open agree", () => {
    const f = join(tmp, "written");
    assert.equal(run(["write", f, "some", "text"]).status, 0);
    assert.equal(readFileSync(f, "utf8"), "some text");
    assert.equal(run(["cat", f]).stdout, "some text");
    assert.equal(run(["open", f, "r"]).stdout, "ok\n");
    const missing = run(["open", join(tmp, "nope")]);
    assert.equal(missing.status, 1);
    assert.equal(missing.stdout, "ENOENT\n");
  });

  it("readback reads what the path gives a fresh read-only open, or names the errno", () => {
    const f = join(tmp, "rb.txt");
    writeFileSync(f, "secret line\n");
    assert.equal(run(["readback", f]).stdout, "read 12: secret line\n\n");
    assert.equal(run(["readback", join(tmp, "missing")]).stdout, "ENOENT\n");
  });

  it("rejects unknown subcommands with one stderr line", () => {
    const r = run(["no-such-subcommand"]);
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trimEnd().split("\n").length, 1);
  });
});

describe("test/helpers/rootfs", () => {
  it("makeRootfs builds the layout", () => {
    const root = makeRootfs(join(tmp, "rootfs"));
    for (const d of ["bin", "dev", "proc", "sys", "etc", "tmp", "root", "run"]) {
      assert.ok(statSync(join(root, d)).isDirectory(), d);
    }
    assert.equal(statSync(join(root, "tmp")).mode & 0o7777, 0o1777);
    assert.equal(statSync(join(root, "bin", "tsrun-testhelper")).mode & 0o777, 0o755);
    assert.match(readFileSync(join(root, "etc", "passwd"), "utf8"), /^root:x:0:0:/m);
    assert.match(readFileSync(join(root, "etc", "passwd"), "utf8"), /^nobody:x:65534:65534:/m);
    assert.match(readFileSync(join(root, "etc", "group"), "utf8"), /^nobody:x:65534:/m);
    assert.equal(makeRootfs(root), root, "calling it again on the same dir works");
  });

  it("makeRootfs with busybox links the applets", { skip: !existsSync("/bin/busybox") && "no /bin/busybox" }, () => {
    const root = makeRootfs(join(tmp, "rootfs-bb"), { busybox: true });
    for (const a of ["sh", "ls", "[", "test", "seq"]) {
      assert.ok(lstatSync(join(root, "bin", a)).isSymbolicLink(), a);
      assert.equal(readlinkSync(join(root, "bin", a)), "busybox");
    }
  });

  it("makeBundle writes a merged config.json and the rootfs", () => {
    const bundle = makeBundle(join(tmp, "bundle"), {
      process: { args: ["/bin/tsrun-testhelper", "id"], user: { uid: 65534, gid: 65534 } },
      root: { readonly: false },
      hostname: null,
    });
    const cfg = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8"));
    assert.deepEqual(cfg.process.args, ["/bin/tsrun-testhelper", "id"]);
    assert.deepEqual(cfg.process.user, { uid: 65534, gid: 65534 });
    assert.equal(cfg.process.terminal, false);
    assert.equal(cfg.process.noNewPrivileges, true);
    assert.deepEqual(cfg.root, { path: "rootfs", readonly: false });
    assert.equal("hostname" in cfg, false);
    assert.deepEqual(
      cfg.linux.namespaces.map((n: { type: string }) => n.type),
      ["pid", "network", "ipc", "uts", "mount"],
    );
    assert.ok(statSync(join(bundle, "rootfs", "bin", "tsrun-testhelper")).isFile());
  });
});
