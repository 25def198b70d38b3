#!/usr/bin/env node
// Bundles the hook runtime (lib/hook/main.ts and everything it imports: KMS client, zod) into
// one dependency-free file, dist/hook/hook.js, which the construct ships into cdktf.out as an asset.
const esbuild = require("esbuild");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
// Start clean: esbuild writes a .LEGAL.txt only when the bundle has legal comments, so one left by an
// earlier build would outlive the code it describes.
fs.rmSync(path.join(root, "dist/hook"), { recursive: true, force: true });
esbuild
  .build({
    entryPoints: [path.join(root, "lib/hook/main.ts")],
    outfile: path.join(root, "dist/hook/hook.js"),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    legalComments: "linked",
    logLevel: "warning",
  })
  .catch(() => process.exit(1));
