// A container image built locally (there is no registry): a docker-archive tarball, as
// `docker save` writes it, that both `ctr images import` and `podman load` accept.
//   manifest.json                [{ Config, RepoTags, Layers }]
//   <sha of config>.json         image config: Env, Cmd, rootfs.diff_ids
//   <sha of layer>.tar           one layer: busybox-static and its applets, tsrun's static test helper
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { testhelperPath } from "../../helpers/rootfs.js";

export const IMAGE = "localhost/tsrun-e2e:latest";
const BUSYBOX = "/bin/busybox";
export const APPLETS = [
  "sh", "ls", "cat", "echo", "id", "sleep", "true", "false", "env", "hostname", "ps", "grep", "readlink",
  "mount", "kill", "wc", "head", "seq", "touch", "stat", "test", "tty", "stty", "printf", "tr", "od",
];

interface Entry { path: string; type: "dir" | "file" | "symlink"; mode: number; data?: Buffer; target?: string }

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, "0") + "\0";
}

/** One ustar header + data, padded to 512-byte blocks. */
function tarEntry(e: Entry): Buffer {
  const h = Buffer.alloc(512);
  const name = e.type === "dir" ? `${e.path}/` : e.path;
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: name too long: ${name}`);
  h.write(name, 0);
  h.write(octal(e.mode, 8), 100);
  h.write(octal(0, 8), 108);                                  // uid
  h.write(octal(0, 8), 116);                                  // gid
  const size = e.type === "file" ? e.data!.length : 0;
  h.write(octal(size, 12), 124);
  h.write(octal(1_700_000_000, 12), 136);                      // fixed mtime: the same image every run
  h.write("        ", 148);                                   // checksum placeholder
  h.write(e.type === "file" ? "0" : e.type === "dir" ? "5" : "2", 156);
  if (e.target) h.write(e.target, 157);
  h.write("ustar\0", 257);
  h.write("00", 263);
  h.write("root", 265);
  h.write("root", 297);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + " ", 148);
  if (e.type !== "file") return h;
  const pad = Buffer.alloc((512 - (size % 512)) % 512);
  return Buffer.concat([h, e.data!, pad]);
}

function tar(entries: Entry[]): Buffer {
  return Buffer.concat([...entries.map(tarEntry), Buffer.alloc(1024)]);
}

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

function layer(): Buffer {
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: install busybox-static (.ci/run does)`);
  if (!existsSync(testhelperPath)) throw new Error(`${testhelperPath} is missing: run npm run build`);
  const e: Entry[] = [];
  for (const d of ["bin", "dev", "etc", "proc", "sys", "run", "var"]) e.push({ path: d, type: "dir", mode: 0o755 });
  e.push({ path: "tmp", type: "dir", mode: 0o1777 }, { path: "root", type: "dir", mode: 0o700 });
  e.push({ path: "bin/busybox", type: "file", mode: 0o755, data: readFileSync(BUSYBOX) });
  e.push({ path: "bin/tsrun-testhelper", type: "file", mode: 0o755, data: readFileSync(testhelperPath) });
  for (const a of APPLETS) e.push({ path: `bin/${a}`, type: "symlink", mode: 0o777, target: "busybox" });
  e.push({ path: "etc/passwd", type: "file", mode: 0o644, data: Buffer.from("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n") });
  e.push({ path: "etc/group", type: "file", mode: 0o644, data: Buffer.from("root:x:0:\ntty:x:5:\nnobody:x:65534:\n") });
  return tar(e);
}

/** Writes the docker-archive to `path` and returns the image reference it carries
 *  (`ref` and the default command `cmd` can be changed: CRI's sandbox image must keep running). */
export function buildImage(path: string, opts: { ref?: string; cmd?: string[] } = {}): string {
  const ref = opts.ref ?? IMAGE;
  const l = layer();
  const layerSha = sha256(l);
  const config = Buffer.from(JSON.stringify({
    architecture: process.arch === "arm64" ? "arm64" : "amd64", os: "linux",
    created: "2023-11-14T22:13:20Z",
    config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: opts.cmd ?? ["sh"] },
    rootfs: { type: "layers", diff_ids: [`sha256:${layerSha}`] },
  }));
  const configSha = sha256(config);
  const manifest = Buffer.from(JSON.stringify([{ Config: `${configSha}.json`, RepoTags: [ref], Layers: [`${layerSha}.tar`] }]));
  writeFileSync(path, tar([
    { path: "manifest.json", type: "file", mode: 0o644, data: manifest },
    { path: `${configSha}.json`, type: "file", mode: 0o644, data: config },
    { path: `${layerSha}.tar`, type: "file", mode: 0o644, data: l },
  ]));
  return ref;
}
