export const VERSION = "0.1.0";
export const SPEC_VERSION = "1.2.0";
/** Newest runtime-spec minor this runtime accepts (features.ociVersionMax). */
export const SPEC_VERSION_MAX = "1.3.0";
export const SPEC_VERSION_MIN = "1.0.0";
