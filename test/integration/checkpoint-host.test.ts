// checkpoint and restore on the host, where criu's `check` fails on this kernel (the qemu guest runs
// the real checkpoints, test/vm/checkpoint.test.ts). Here: the one line that says why criu cannot
// work, and every refusal of bad input, with runc's exit status and nothing left behind. criu's
// answers that decide those (version, check, a failing dump or restore) come from small stand-in
// scripts given with the global --criu flag, so the lines do not depend on this machine's criu.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot } from "../helpers/harness.js";
import { oneLineError } from "../helpers/cli.js";

let h: Harness;
/** stand-in criu binaries, by what they do */
const fake: Record<string, string> = {};

function script(name: string, version: string, check: string, other: string): string {
  const p = join(h.tmp, name);
  writeFileSync(p, `#!/bin/sh\ncase "$1" in\n--version) echo "Version: ${version}";;\ncheck) ${check};;\n*) ${other};;\nesac\n`);
  chmodSync(p, 0o755);
  return p;
}

before(() => {
  requireRoot();
  h = new Harness();
  fake.old = script("criu-old", "3.11", "exit 0", "exit 1");
  fake.broken = script("criu-broken", "3.17.1", 'echo "Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds" >&2; exit 1', "exit 1");
  // check passes; a dump or restore fails the way criu does: an error in its log, exit 1
  fake.ok = script("criu-ok", "3.17.1", 'echo "Looks good."',
    'p=; for a; do [ "$p" = --work-dir ] && w="$a"; [ "$p" = --log-file ] && l="$a"; p="$a"; done; echo "(00.01) Error (criu/cr-$1.c:1): stand-in criu: cannot $1 here" > "$w/$l"; exit 1');
});
after(() => h.cleanup());

function fails(args: string[], line: RegExp, gone?: string): void {
  const r = h.run(args);
  assert.ok(oneLineError(r), `tsrun ${args.join(" ")} → status ${r.status}, stderr ${JSON.stringify(r.stderr)}`);
  assert.match(r.stderr.trim(), line);
  if (gone) h.assertGone(gone);
}

/** A running container that sleeps. */
function running(): string {
  const id = h.id("ck");
  h.ok(["run", "-d", "--bundle", h.bundle({ process: { args: ["sleep", "1000"] } }, { busybox: true }), id]);
  return id;
}

test("on this host checkpoint says in one line why criu cannot work, and the container runs on", () => {
  const id = running();
  const c = spawnSync("criu", ["check"], { encoding: "utf8" });
  const r = h.run(["checkpoint", "--image-path", join(h.tmp, "img-host"), id]);
  if (c.status !== 0) {
    // this machine's kernel (6.18) with Debian's criu 3.17: `criu check` fails on the vDSO
    assert.ok(oneLineError(r), `status ${r.status}, stderr ${JSON.stringify(r.stderr)}`);
    assert.match(r.stderr.trim(), /^checkpoint: criu \d+\.\d+(\.\d+)? cannot work on this kernel: `criu check` failed: \S[^\n]*$/);
    assert.equal(h.state(id).status, "running");
  } else if (r.status === 0) {
    // a machine whose kernel criu knows: the checkpoint is real (the guest tier covers what follows)
    assert.equal(h.state(id).status, "stopped");
    assert.ok(existsSync(join(h.tmp, "img-host", "inventory.img")));
  } else {
    assert.ok(oneLineError(r), `status ${r.status}, stderr ${JSON.stringify(r.stderr)}`);
    assert.match(r.stderr.trim(), /^checkpoint: criu dump failed: [^\n]+ \(log: [^\n]*dump\.log\)$/);
  }
  h.ok(["delete", "-f", id]);
  h.assertGone(id);
});

test("criu missing, too old or failing its check: one line each, before any container is touched", () => {
  const id = running();
  fails(["--criu", join(h.tmp, "no-criu"), "checkpoint", id], /^criu `[^`]*no-criu`: not found or not executable: checkpoint and restore need criu \(apt-get install criu\)$/);
  const noPath = h.run(["checkpoint", id], { env: { ...process.env, PATH: h.tmp } });
  assert.ok(oneLineError(noPath), noPath.stderr);
  assert.equal(noPath.stderr.trim(), "criu: not found on PATH: checkpoint and restore need criu (apt-get install criu)");
  fails(["--criu", fake.old, "checkpoint", id], /^checkpoint: criu 3\.11\.0 is too old: 3\.14 or newer is needed$/);
  fails(["--criu", fake.broken, "checkpoint", id], /^checkpoint: criu 3\.17\.1 cannot work on this kernel: `criu check` failed: vdso: Unexpected rt vDSO area bounds$/);
  fails(["--criu", fake.broken, "restore", "-d", "--bundle", h.bundle(), `${id}-r`], /^restore: criu 3\.17\.1 cannot work on this kernel: `criu check` failed: vdso: Unexpected rt vDSO area bounds$/, `${id}-r`);
  assert.equal(h.state(id).status, "running");
  h.ok(["delete", "-f", id]);
});

test("checkpoint's bad input: unsupported flags, a bad mode, namespace or parent path, a container that is not running; a failed dump leaves it running", () => {
  const id = running();
  const ck = (...a: string[]) => ["--criu", fake.ok, "checkpoint", "--image-path", join(h.tmp, "img-bad"), ...a];
  fails(ck("--lazy-pages", id), /^checkpoint: --lazy-pages is not supported$/);
  fails(ck("--page-server", "10.0.0.1:27", id), /^checkpoint: --page-server is not supported$/);
  fails(ck("--status-fd", "3", id), /^checkpoint: --status-fd is not supported \(it goes with --lazy-pages\)$/);
  fails(ck("--manage-cgroups-mode", "bogus", id), /'bogus' is invalid\. Allowed choices are soft, full, strict, ignore\.$/);
  fails(ck("--empty-ns", "ipc", id), /^checkpoint: --empty-ns: namespace "ipc" is not supported \(only network\)$/);
  fails(ck("--parent-path", "/abs", id), /^checkpoint: --parent-path must be relative \(to the image path\)$/);
  fails(ck("--parent-path", "../missing", id), /^checkpoint: invalid --parent-path: stat `[^`]*missing`: ENOENT$/);
  fails(ck("nosuch"), /^container does not exist$/);
  fails(ck(id, "extra"), /too many arguments/);
  fails(ck("--work-path", join(h.tmp, "work-bad"), id), /^checkpoint: criu dump failed: stand-in criu: cannot dump here \(log: [^)]*work-bad\/dump\.log\)$/);
  assert.equal(h.state(id).status, "running");

  const created = h.id("ck-created");
  h.ok(["create", "--bundle", h.bundle({ process: { args: ["sleep", "1000"] } }, { busybox: true }), created]);
  fails(ck(created), /^container cannot be checkpointed in created state$/);
  h.ok(["delete", "-f", created]);
  h.ok(["delete", "-f", id]);
  h.assertGone(id);
});

test("restore's bad input: a missing image, a config that does not match, an id in use, a failed restore: one line, nothing left", () => {
  const bundle = h.bundle({ process: { args: ["sleep", "1000"] } }, { busybox: true });
  const img = join(h.tmp, "img-r");
  mkdirSync(img, { recursive: true });
  const rs = (id: string, ...a: string[]) => ["--criu", fake.ok, "restore", "-d", "--bundle", bundle, ...a, id];
  const id = h.id("rs");
  fails(rs(id, "--image-path", join(h.tmp, "no-img")), /^restore: no checkpoint in `[^`]*no-img`: inventory\.img: ENOENT$/, id);
  fails(rs(id, "--image-path", img), /^restore: no checkpoint in `[^`]*img-r`: inventory\.img: ENOENT$/, id);
  writeFileSync(join(img, "inventory.img"), "");
  writeFileSync(join(img, "tsrun-checkpoint.json"), JSON.stringify({ namespaces: ["mount", "pid"], mounts: ["/proc"], terminal: false }));
  fails(rs(id, "--image-path", img), /^restore: config\.json does not match the checkpoint: linux\.namespaces: the checkpoint has \[mount, pid\], config\.json has \[ipc, mount, network, pid, uts\]$/, id);
  fails(rs(id, "--image-path", img, "--lazy-pages"), /^restore: --lazy-pages is not supported$/, id);
  fails(rs("../x", "--image-path", img), /invalid container id/);

  writeFileSync(join(img, "tsrun-checkpoint.json"), JSON.stringify({
    namespaces: ["ipc", "mount", "network", "pid", "uts"], mounts: JSON.parse(readFileSync(join(bundle, "config.json"), "utf8")).mounts.map((m: { destination: string }) => m.destination), terminal: false,
  }));
  // criu itself fails: its error, where its log is, and no state, cgroup or process
  fails(rs(id, "--image-path", img, "--work-path", join(h.tmp, "work-r")), /^restore: criu restore failed: stand-in criu: cannot restore here \(log: [^)]*work-r\/restore\.log\)$/, id);
  assert.ok(!existsSync(join(h.root, id)));

  const other = running();
  fails(rs(other, "--image-path", img), new RegExp(`^container with id "${other}" already exists$`));
  assert.equal(h.state(other).status, "running");
  h.ok(["delete", "-f", other]);

  // a container that stopped by itself (no checkpoint took it) keeps its id, as runc's restore refuses any existing one
  const stopped = h.id("st");
  h.ok(["run", "-d", "--bundle", h.bundle({ process: { args: ["true"] } }, { busybox: true }), stopped]);
  for (let i = 0; i < 200 && h.state(stopped).status !== "stopped"; i++) spawnSync("sleep", ["0.05"]);
  assert.equal(h.state(stopped).status, "stopped");
  fails(rs(stopped, "--image-path", img), new RegExp(`^container with id "${stopped}" already exists$`));
  assert.equal(h.state(stopped).status, "stopped", "the stopped container is left as it was");
  h.ok(["delete", stopped]);
});
