// Configs and a watcher shared by the cgroup tests that run on the hybrid host
// (test/integration/cgroup-cli.test.ts, v1 driver) and in the pure cgroup v2 guest
// (test/vm/guest.test.ts): the same scenario, asserted against each driver's files.
import { spawn } from "node:child_process";
import { TSRUN } from "./cli.js";
import type { ConfigPatch } from "./rootfs.js";

const H = "/bin/tsrun-testhelper";

/** Waits for /go in the rootfs, then allocates 64 MiB under a 32 MiB limit (no extra swap): an OOM kill. */
export function oomPatch(): ConfigPatch {
  return {
    process: { args: ["sh", "-c", `while [ ! -e /go ]; do sleep 0.05; done; ${H} alloc 64`] },
    linux: { resources: { memory: { limit: 32 << 20, swap: 32 << 20 } } },
  };
}

/**
 * Opens /dev/hwrng (10:183) then /dev/null and prints each result. Rules: allow all, deny 10:183
 * (when `deny`), deny 1:3. runc appends its default allow list (/dev/null among it) after the
 * config's rules, so the 1:3 deny is overridden: the output is EPERM/ok with the deny, ok/ok without.
 */
export function deviceRulesPatch(deny = true): ConfigPatch {
  return {
    process: { args: ["sh", "-c", `${H} open /dev/hwrng r; ${H} open /dev/null r`] },
    linux: {
      devices: [{ path: "/dev/hwrng", type: "c", major: 10, minor: 183, fileMode: 0o600 }],
      resources: {
        devices: [
          { allow: true, access: "rwm" },
          ...(deny ? [{ allow: false, type: "c", major: 10, minor: 183, access: "rwm" }] : []),
          { allow: false, type: "c", major: 1, minor: 3, access: "rwm" },
        ],
      },
    },
  };
}

export interface EventsWatch {
  out: () => string;
  err: () => string;
  /** exit code of `tsrun events`, or "timeout" (then it was killed) */
  exit: (timeoutMs: number) => Promise<number | null | "timeout">;
}

/** `tsrun --root ROOT events --interval I ID` in the background, its output collected. */
export function watchEvents(root: string, id: string, interval: string): EventsWatch {
  const ev = spawn(TSRUN, ["--root", root, "events", "--interval", interval, id], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  ev.stdout.on("data", (d) => (out += d));
  ev.stderr.on("data", (d) => (err += d));
  const exited = new Promise<number | null>((r) => ev.on("exit", (c) => r(c)));
  return {
    out: () => out,
    err: () => err,
    exit: async (timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([exited, new Promise<"timeout">((r) => { timer = setTimeout(() => r("timeout"), timeoutMs); })]);
      clearTimeout(timer);
      if (code === "timeout") ev.kill("SIGKILL");
      return code;
    },
  };
}
