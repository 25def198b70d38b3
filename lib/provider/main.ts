#!/usr/bin/env node
/**
 * The provider executable's entry point (bundled to dist/provider/provider.js): Terraform starts it,
 * the protocol layer does the handshake and serves the gRPC plugin protocol, OctopusProvider answers.
 */
import { serve } from "./protocol";

// The provider layer (resources, KMS client, zod) is required only once the handshake line is out:
// esbuild keeps a require()d module's initialisation lazy, so Terraform is already connecting while
// it loads (about 10 ms of each start, npm run bench P8).
// eslint-disable-next-line @typescript-eslint/no-require-imports
serve(() => new (require("./provider") as typeof import("./provider")).OctopusProvider());
