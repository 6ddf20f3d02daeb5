export const VERSION = "0.1.0";
/**
 * The runtime-spec version tsrun implements: `--version`'s spec line, features.ociVersionMax and the seccomp agent's
 * state (runc: specs.Version for all three). `state` reports the bundle's ociVersion, the one used to create it.
 */
export const SPEC_VERSION_MAX = "1.3.0";
/** Oldest runtime-spec version accepted (features.ociVersionMin). */
export const SPEC_VERSION_MIN = "1.0.0";

declare const TSRUN_BUILD_COMMIT: string | undefined;
/** The git commit dist/tsrun was built from, defined by scripts/build-exe.mjs; node running dist/src has none. */
export const COMMIT: string = typeof TSRUN_BUILD_COMMIT === "string" ? TSRUN_BUILD_COMMIT : "unknown (not built by scripts/build-exe.mjs)";
