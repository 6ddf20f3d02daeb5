/**
 * A Runtime on the fakes: its own state root under a temp dir, a recording FakeSys and a fake
 * cgroupfs; bundles whose rootfs is a plain temp dir, from the client fixtures. No root needed.
 */
import * as fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Runtime } from "../../src/lib/index.js";
import { FakeSys } from "./fake-sys.js";
import { fakeCgroupfs, type FakeCgroupfs } from "./fake-cgroupfs.js";
import { repoRoot } from "./rootfs.js";

export interface World { dir: string; root: string; rt: Runtime; sys: FakeSys; cgfs: FakeCgroupfs; bundles: string[]; close(): Promise<void> }

export function fakeWorld(): World {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tsrun-fake-"));
  const root = path.join(dir, "state");
  const sys = new FakeSys();
  const cgfs = fakeCgroupfs();
  const rt = new Runtime({ root, sys: () => sys, cgroups: cgfs.factory, rootless: false });   // as root, whoever runs the test
  return {
    dir, root, rt, sys, cgfs, bundles: [],
    close: async () => {
      await sys.cleanup();
      cgfs.remove();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

const fixtureText = (f: string): string => fs.readFileSync(path.join(repoRoot, "spec-fixtures", "clients", f), "utf8");

/** An exec process file of the fixtures, as an object. */
export const execProcess = (client: "containerd" | "podman"): Record<string, unknown> => JSON.parse(fixtureText(`${client}-exec-process.json`));

/**
 * A bundle with the client's config.json: containerd's rootfs is "rootfs"; podman's absolute
 * paths (/srv/clients/podman/...) are moved under the bundle and made, as podman would have.
 * `edit` changes the config before it is written.
 */
export function clientBundle(w: World, client: "containerd" | "podman", edit?: (cfg: Record<string, any>) => void): string {
  const b = path.join(w.dir, `bundle-${w.bundles.length}`);
  w.bundles.push(b);
  fs.mkdirSync(b, { recursive: true });
  const cfg = JSON.parse(fixtureText(`${client}-config.json`).replaceAll("/srv/clients/podman", path.join(b, "podman")));
  if (client === "containerd") fs.mkdirSync(path.join(b, "rootfs"));
  else {
    fs.mkdirSync(cfg.root.path, { recursive: true });
    for (const m of cfg.mounts as Array<{ type: string; source: string; destination: string }>) {
      if (m.type !== "bind") continue;
      if (m.destination === "/dev/shm") fs.mkdirSync(m.source, { recursive: true });
      else { fs.mkdirSync(path.dirname(m.source), { recursive: true }); fs.writeFileSync(m.source, ""); }
    }
  }
  edit?.(cfg);
  fs.writeFileSync(path.join(b, "config.json"), JSON.stringify(cfg));
  return b;
}

/** The recorded calls with what varies per run replaced: temp dirs and pids (in order of spawn). */
export function normalised(w: World, calls: string[] = w.sys.calls): string {
  let text = calls.join("\n") + "\n";
  [...w.bundles].reverse().forEach((b, i) => { text = text.replaceAll(b, `<bundle${w.bundles.length - 1 - i}>`); });
  text = text.replaceAll(w.root, "<root>").replaceAll(w.cgfs.root, "<cgfs>");
  [...w.sys.children.keys()].forEach((pid, i) => { text = text.replace(new RegExp(`\\b${pid}\\b`, "g"), `<pid${i + 1}>`); });
  return text;
}
