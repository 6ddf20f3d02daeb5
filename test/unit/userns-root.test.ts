// hostRootIds: who owns the foreground stdio pipes (the host ids of the container's root).
import { test } from "node:test";
import assert from "node:assert/strict";
import { hostRootIds } from "../../src/userns.js";
import type { Spec } from "../../src/spec/schema.js";

const spec = (linux: Record<string, unknown>): Spec => ({ ociVersion: "1.0.2", linux } as unknown as Spec);

test("hostRootIds: the host ids mapped to 0, none without a user namespace mapping", () => {
  assert.equal(hostRootIds(spec({})), undefined);
  assert.deepEqual(hostRootIds(spec({
    uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
    gidMappings: [{ containerID: 0, hostID: 200000, size: 65536 }],
  })), { uid: 100000, gid: 200000 });
  assert.deepEqual(hostRootIds(spec({
    uidMappings: [{ containerID: 1, hostID: 5, size: 10 }, { containerID: 0, hostID: 1000, size: 1 }],
    gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }],
  })), { uid: 1000, gid: 1000 });
  assert.equal(hostRootIds(spec({
    uidMappings: [{ containerID: 1, hostID: 100001, size: 10 }],
    gidMappings: [{ containerID: 0, hostID: 100000, size: 1 }],
  })), undefined, "no uid mapped to root");
});
