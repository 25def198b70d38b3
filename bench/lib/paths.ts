/** Where the benchmark finds the package and its built files (it runs from dist/bench). */
import * as path from "node:path";

/** The package root. */
export const ROOT = path.resolve(__dirname, "..", "..", "..");
/** The hook bundle. */
export const HOOK = path.join(ROOT, "dist", "hook", "hook.js");
/** The provider bundle. */
export const PROVIDER = path.join(ROOT, "dist", "provider", "provider.js");
/** P1's baseline script. */
export const MINIMAL_FETCH = path.join(ROOT, "dist", "bench", "minimal-fetch.js");
/** The NODE_OPTIONS --require script that reports provider processes (P9, P12). */
export const PROVIDER_PROBE = path.join(ROOT, "dist", "bench", "lib", "provider-probe.js");
/** This Node. */
export const NODE = process.execPath;
/** The terraform binary. */
export const TERRAFORM = process.env.TERRAFORM_BINARY_NAME ?? "terraform";
