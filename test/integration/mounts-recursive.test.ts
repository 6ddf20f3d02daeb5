// Recursive mount options reach submounts (mount_setattr AT_RECURSIVE); plain ones do not.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { Harness, requireRoot } from "../helpers/harness.js";
import { baseConfig } from "../helpers/rootfs.js";

let h: Harness;
let src = "";
before(() => {
  requireRoot(); h = new Harness();
  src = join(h.tmp, "src");
  mkdirSync(join(src, "sub"), { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tsrun-rec-test", join(src, "sub")]);
});
after(() => { try { execFileSync("umount", [join(src, "sub")]); } catch { /* not mounted */ } h.cleanup(); });

test("rro makes a bind and its submounts read-only; ro alone leaves the submount writable", () => {
  const b = h.bundle({
    mounts: [...(baseConfig().mounts as object[]),
      { destination: "/rec", type: "bind", source: src, options: ["rbind", "rro", "rnosuid"] },
      { destination: "/plain", type: "bind", source: src, options: ["rbind", "ro"] }],
    process: { args: ["/bin/sh", "-c", "touch /rec/sub/x 2>/dev/null && echo rec-writable; touch /plain/sub/y 2>/dev/null && echo plain-writable; grep -c ' /rec/sub .*ro,nosuid' /proc/self/mountinfo"] },
  }, { busybox: true });
  mkdirSync(join(b, "rootfs", "rec")); mkdirSync(join(b, "rootfs", "plain"));
  const r = h.run(["run", "--bundle", b, h.id()]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split("\n"), ["plain-writable", "1"]);
});
