// The calls the lifecycle makes through Sys for containerd's and podman's bundles, pinned: create,
// state, start, a detached exec, kill, wait and delete on the recording fake, temp dirs and pids
// normalised. No root. Regenerate after an intended change with: UPDATE_GOLDEN=1 npm run test:unit
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fakeWorld, clientBundle, execProcess, normalised } from "../helpers/fake-world.js";
import { repoRoot } from "../helpers/rootfs.js";

async function lifecycle(client: "containerd" | "podman"): Promise<string> {
  const w = fakeWorld();
  try {
    const step = (name: string): void => { w.sys.calls.push(`## ${name}`); };
    const bundle = clientBundle(w, client);
    step("create");
    const c = await w.rt.create("c1", { bundle });
    step("state");
    assert.equal((await c.state()).status, "created");
    step("start");
    await c.start();
    assert.equal((await c.state()).status, "running");
    step("exec --detach");
    await c.exec(execProcess(client) as never, { detach: true });
    step("kill SIGKILL");
    await c.kill("SIGKILL");
    step("wait");
    assert.equal(await c.wait(), 137);
    step("delete");
    await c.delete();
    assert.ok(!existsSync(join(w.root, "c1")));
    // reopening a read-only /dev/null stdio depends on how the test was started: not pinned
    return normalised(w, w.sys.calls.filter((l) => !l.startsWith("dup2 ")));
  } finally {
    await w.close();
  }
}

async function golden(client: "containerd" | "podman"): Promise<void> {
  const text = await lifecycle(client);
  const file = join(repoRoot, "test", "golden", `lifecycle-${client}.calls`);
  if (process.env.UPDATE_GOLDEN) writeFileSync(file, text);      // never recreated silently: a missing golden fails
  assert.ok(existsSync(file), `golden calls ${file} are missing (UPDATE_GOLDEN=1 writes them, on purpose)`);
  assert.equal(text, readFileSync(file, "utf8"), `the lifecycle's calls through Sys for ${client}'s bundle changed`);
}

test("containerd's bundle: the lifecycle's calls through Sys are pinned", () => golden("containerd"));
test("podman's bundle: the lifecycle's calls through Sys are pinned", () => golden("podman"));
