/**
 * What tsrun writes into a checkpoint's image directory beside criu's files, and the check that
 * the config a restore is given fits the checkpoint (pure; unit-tested). criu restores the mount
 * table and the namespaces it dumped; a config with other mounts or namespaces would describe a
 * container that is not the one restored, so restore refuses it in one line before criu runs.
 */
import type { Spec } from "../spec/schema.js";

/** criu's images: a directory without this file holds no (complete) checkpoint */
export const INVENTORY = "inventory.img";
/** the init's stdio at the checkpoint (./externals.ts Descriptor[]), as runc names its file */
export const DESCRIPTORS = "descriptors.json";
/** what the checkpointed config had, for the restore's check */
export const META = "tsrun-checkpoint.json";

export interface ImageMeta {
  /** linux.namespaces' types, sorted */
  namespaces: string[];
  /** mounts' destinations, in order */
  mounts: string[];
  /** process.terminal */
  terminal: boolean;
}

export function metaOf(spec: Spec): ImageMeta {
  return {
    namespaces: (spec.linux?.namespaces ?? []).map((n) => n.type).sort(),
    mounts: (spec.mounts ?? []).map((m) => m.destination),
    terminal: !!spec.process?.terminal,
  };
}

/** What differs between the checkpointed config and this one, in words; undefined when they fit. */
export function mismatch(saved: ImageMeta, spec: Spec): string | undefined {
  const now = metaOf(spec);
  if (saved.namespaces.join(",") !== now.namespaces.join(",")) {
    return `linux.namespaces: the checkpoint has [${saved.namespaces.join(", ")}], config.json has [${now.namespaces.join(", ")}]`;
  }
  const gone = saved.mounts.filter((d) => !now.mounts.includes(d));
  const added = now.mounts.filter((d) => !saved.mounts.includes(d));
  if (gone.length || added.length) {
    const parts = [gone.length ? `the checkpoint's ${gone.join(", ")} missing` : "", added.length ? `${added.join(", ")} not in the checkpoint` : ""].filter(Boolean);
    return `mounts: ${parts.join("; ")}`;
  }
  if (saved.terminal !== now.terminal) return `process.terminal: the checkpoint has ${saved.terminal}, config.json has ${now.terminal}`;
  return undefined;
}

/** A file tsrun wrote into the image, read back; anything malformed counts as absent. */
export function parseMeta(text: string): ImageMeta | undefined {
  try {
    const v = JSON.parse(text) as ImageMeta;
    if (Array.isArray(v.namespaces) && Array.isArray(v.mounts) && typeof v.terminal === "boolean") return v;
  } catch { /* not ours */ }
  return undefined;
}
