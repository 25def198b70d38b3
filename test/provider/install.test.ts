/**
 * Placing the provider where Terraform finds it offline, and pinning it: the h1 hash computed here is
 * the one real `terraform init` records, the lock file keeps other providers' entries, and a provider
 * file changed after synth fails `terraform init` instead of running.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { PROVIDER_FILE, PROVIDER_SOURCE, PROVIDER_VERSION } from "../../lib/provider/address";
import { installProvider, lockBlock, packageHashV1, writeLockFile } from "../../lib/provider/install";
import { TERRAFORM, terraformEnv, workDir } from "../e2e/terraform-env";

const CONFIG = JSON.stringify({ terraform: { required_providers: { hanzokms: { source: PROVIDER_SOURCE, version: PROVIDER_VERSION } } } });

function fakeProvider(dir: string, text = "#!/usr/bin/env node\n// not run: init only installs\n"): string {
  const file = path.join(dir, "fake-provider.js");
  fs.writeFileSync(file, text);
  return file;
}

function init(dir: string) {
  return spawnSync(TERRAFORM, ["init", "-input=false", "-no-color"], { cwd: dir, env: terraformEnv(dir), encoding: "utf8" });
}

test("the h1 hash is the one terraform init records for the package", () => {
  const dir = workDir();
  fs.writeFileSync(path.join(dir, "main.tf.json"), CONFIG);
  const { hash } = installProvider(path.join(dir, "terraform.d", "plugins"), fakeProvider(dir));
  const result = init(dir);
  expect(result.status).toBe(0);
  expect(fs.readFileSync(path.join(dir, ".terraform.lock.hcl"), "utf8")).toContain(`"${hash}"`);
});

test("a lock file written beforehand is accepted as is; a provider file changed afterwards fails init loudly", () => {
  const dir = workDir();
  fs.writeFileSync(path.join(dir, "main.tf.json"), CONFIG);
  const { hash } = installProvider(path.join(dir, "terraform.d", "plugins"), fakeProvider(dir));
  writeLockFile(dir, hash);
  const before = fs.readFileSync(path.join(dir, ".terraform.lock.hcl"), "utf8");
  expect(init(dir).status).toBe(0);
  expect(fs.readFileSync(path.join(dir, ".terraform.lock.hcl"), "utf8")).toBe(before);

  const installed = path.join(dir, "terraform.d", "plugins", ...PROVIDER_SOURCE.split("/"), PROVIDER_VERSION, "linux_amd64", PROVIDER_FILE);
  fs.appendFileSync(installed, "// changed\n");
  fs.rmSync(path.join(dir, ".terraform-data"), { recursive: true, force: true });
  const result = init(dir);
  expect(result.status).not.toBe(0);
  expect(result.stdout + result.stderr).toMatch(/doesn't\s+match any of the checksums/);
});

test("writeLockFile replaces only this provider's entry", () => {
  const dir = workDir();
  const other = 'provider "registry.terraform.io/hashicorp/null" {\n  version = "3.2.4"\n  hashes = [\n    "h1:abc=",\n  ]\n}\n';
  fs.writeFileSync(path.join(dir, ".terraform.lock.hcl"), `# header\n\n${other}\n${lockBlock("h1:old=")}`);
  writeLockFile(dir, "h1:new=");
  const lock = fs.readFileSync(path.join(dir, ".terraform.lock.hcl"), "utf8");
  expect(lock).toContain(other);
  expect(lock).toContain('"h1:new="');
  expect(lock).not.toContain("h1:old=");
  expect(lock.match(/provider "/g)).toHaveLength(2);
});

test("the hash covers the file's content and name", () => {
  const dir = workDir();
  fs.mkdirSync(path.join(dir, "a"));
  fs.writeFileSync(path.join(dir, "a", "x"), "1");
  const first = packageHashV1(path.join(dir, "a"));
  fs.writeFileSync(path.join(dir, "a", "x"), "2");
  expect(packageHashV1(path.join(dir, "a"))).not.toBe(first);
  expect(first).toMatch(/^h1:[A-Za-z0-9+/]{43}=$/);
});
