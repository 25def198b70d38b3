/**
 * A jest.mock factory for lib/provider/install: the real installer, fed a stand-in provider file, so
 * the tests that read synthesized provider-engine stacks (cdk.tf.json, state, plans; never running
 * the provider) do not depend on the provider bundle being built. Use in a test file:
 *
 *   jest.mock("../../lib/provider/install", () => jest.requireActual("../stacks/provider-stub").standInInstall());
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The installer module with a stand-in bundle (a script that only exits). */
export function standInInstall(): Record<string, unknown> {
  const actual = jest.requireActual<typeof import("../../lib/provider/install")>("../../lib/provider/install");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kms-octopus-provider-stub-"));
  const bundle = path.join(dir, "provider.js");
  fs.writeFileSync(bundle, "#!/usr/bin/env node\nprocess.exit(1);\n");
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  return {
    ...actual,
    providerBundlePath: () => bundle,
    installProvider: (pluginsDir: string, file: string = bundle) => actual.installProvider(pluginsDir, file),
  };
}
