/**
 * Test apps for construct tests. Testing.app() makes a new temp directory per call and never removes
 * it; these apps share one directory per test file, removed when the file's tests end.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App, Testing } from "cdktf";

let outdir: string | undefined;

/** A Testing.app() whose outdir is cleaned up after the test file. */
export function testApp(): App {
  outdir ??= fs.mkdtempSync(path.join(os.tmpdir(), "kms-octopus-apps-"));
  return Testing.app({ outdir });
}

/**
 * Pins the hook engine for tests of its behaviour (terraform_data resources, hooks, launcher,
 * removed blocks): the construct's default is now "provider". Spread it first so a test's own
 * `engine` wins.
 */
export const HOOK_ENGINE = { engine: "terraform_data" } as const;

afterAll(() => {
  if (outdir) fs.rmSync(outdir, { recursive: true, force: true });
});
