/**
 * `npx cdktf-kms-octopus <command>`: dev-server, get, drift, import, explain-plan, install-provider. Each command lives in
 * commands/<name>.ts; KMS credentials come from the same environment variables as the hook.
 */
import { Command } from "commander";
import { registerDevServer } from "./commands/dev-server";
import { registerDrift } from "./commands/drift";
import { registerExplainPlan } from "./commands/explain-plan";
import { registerGet } from "./commands/get";
import { registerImport } from "./commands/import";
import { registerInstallProvider } from "./commands/install-provider";
import { registerSync } from "./commands/sync";
import { VERSION } from "../version";

/** The program with every command registered. */
export function buildProgram(): Command {
  const program = new Command("cdktf-kms-octopus")
    .description("Hanzo KMS app connections to Octopus Deploy, as CDKTF code")
    .version(VERSION)
    .showHelpAfterError()
    .addHelpText(
      "after",
      "\nKMS credentials: KMS_TOKEN, or KMS_CLIENT_ID + KMS_CLIENT_SECRET (Universal Auth), as for the hook.\nExit codes: 0 ok, 1 error, 2 drift (drift command).",
    );
  registerDevServer(program);
  registerGet(program);
  registerDrift(program);
  registerImport(program);
  registerExplainPlan(program);
  registerInstallProvider(program);
  registerSync(program);
  return program;
}

if (require.main === module) {
  void buildProgram().parseAsync(process.argv);
}
