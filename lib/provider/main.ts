#!/usr/bin/env node
/**
 * The provider executable's entry point (bundled to dist/provider/provider.js): Terraform starts it,
 * the protocol layer does the handshake and serves the gRPC plugin protocol, OctopusProvider answers.
 */
import { serve } from "./protocol";
import { OctopusProvider } from "./provider";

serve(new OctopusProvider());
