// All six hooks, in spec order, each with the state status the spec gives; a failing prestart leaves nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Harness, requireRoot, processesWith } from "../helpers/harness.js";
import { oneLineError } from "../helpers/cli.js";
import { baseConfig } from "../helpers/rootfs.js";

let h: Harness;
before(() => { requireRoot(); h = new Harness(); });
after(() => h.cleanup());

// a hook (run by the runtime, host /bin/sh) that logs "<name> <status>" from the state JSON on its stdin
const hostHook = (log: string, name: string, extra = ""): object => ({
  path: "/bin/sh",
  args: ["sh", "-c", `s=$(cat); st=$(echo "$s" | grep -o '"status": *"[a-z]*"' | grep -o '[a-z]*"$' | tr -d '"'); echo "${name} $st" >> ${log}; ${extra}`],
});

test("the six hooks run in spec order, each seeing the status the spec gives", () => {
  const logDir = join(h.tmp, "log");
  mkdirSync(logDir);
  const log = join(logDir, "order");
  const pidOf = `pid=$(echo "$s" | grep -o '"pid": *[0-9]*' | grep -o '[0-9]*$')`;
  const b = h.bundle({
    mounts: [...(baseConfig().mounts as object[]), { destination: "/log", type: "bind", source: logDir, options: ["rbind", "rw"] }],
    process: { args: ["/bin/sh", "-c", "while [ ! -e /log/poststarted ]; do sleep 0.05; done; echo process >> /log/order"] },
    hooks: {
      prestart: [hostHook(log, "prestart")],
      // createRuntime runs before pivot_root: init's root is still the host's /
      createRuntime: [hostHook(log, "createRuntime", `${pidOf}; echo "root $(readlink /proc/$pid/root)" >> ${log}`)],
      createContainer: [hostHook(log, "createContainer")],
      // runs inside the container (busybox sh): keeps its stdin for the test to read
      startContainer: [{ path: "/bin/sh", args: ["sh", "-c", "cat > /log/start-state; echo startContainer >> /log/order"] }],
      poststart: [hostHook(log, "poststart", `touch ${logDir}/poststarted`)],
      poststop: [hostHook(log, "poststop")],
    },
  }, { busybox: true });
  const id = h.id();
  h.ok(["create", "--bundle", b, id]);
  assert.equal(h.state(id).status, "created");
  h.ok(["start", id]);
  for (let i = 0; i < 400 && h.state(id).status !== "stopped"; i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
  h.ok(["delete", id]);
  assert.deepEqual(readFileSync(log, "utf8").trim().split("\n"), [
    "prestart created", "createRuntime created", "root /", "createContainer created",
    "startContainer", "poststart running", "process", "poststop stopped",
  ]);
  const st = JSON.parse(readFileSync(join(logDir, "start-state"), "utf8"));
  assert.equal(st.status, "created");
  assert.equal(st.id, id);
  h.assertGone(id);
});

test("a failing prestart hook fails create and leaves no state, cgroup or process", () => {
  const b = h.bundle({
    process: { args: ["/bin/sh", "-c", "sleep 1000; : prestart-fail-marker"] },
    hooks: { prestart: [{ path: "/bin/false" }] },
  }, { busybox: true });
  const id = h.id();
  const r = h.run(["create", "--bundle", b, id]);
  assert.ok(oneLineError(r), r.stderr);
  assert.match(r.stderr, /error running hook #0 \(prestart\) `\/bin\/false`: exit status 1/);
  h.assertGone(id);
  assert.deepEqual(processesWith("prestart-fail-marker"), []);
});

test("a hook path that does not exist is refused before anything is set up", () => {
  const id = h.id();
  const b = h.bundle({ hooks: { createRuntime: [{ path: "/no/such/hook" }] } });
  const r = h.run(["create", "--bundle", b, id]);
  assert.ok(oneLineError(r), r.stderr);
  assert.match(r.stderr, /^config\.json: hooks\.createRuntime\[0\]\.path: `\/no\/such\/hook`: ENOENT$/m);
  h.assertGone(id);
});
