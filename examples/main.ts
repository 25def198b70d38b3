/**
 * The example stack: one organization-level Octopus Deploy connection whose API key is a sensitive
 * Terraform variable and, when OCTOPUS_PROJECT_ID is set, a secret sync that pushes a KMS folder's
 * secrets to that Octopus project's variables. `npm run demo` deploys it against the bundled local
 * KMS; against your KMS:
 *
 *   export KMS_URL=https://app.kms.hanzo.ai KMS_CLIENT_ID=... KMS_CLIENT_SECRET=...
 *   export OCTOPUS_URL=https://your-instance.octopus.app TF_VAR_octopus_api_key=API-...
 *   # optional, the sync: the KMS project and environment whose secrets go to this Octopus project
 *   export SYNC_KMS_PROJECT_ID=<uuid> SYNC_ENVIRONMENT=prod OCTOPUS_SPACE_ID=Spaces-1 OCTOPUS_PROJECT_ID=Projects-1
 *   npx cdktf deploy
 */
import { App, TerraformStack, TerraformVariable } from "../lib/cdk";
import { Construct } from "constructs";
import { OctopusDeployConnection, OctopusDeploySecretSync } from "../lib";

/** A stack with one Octopus Deploy connection; environment-specific values come from the environment. */
export class OctopusConnectionsStack extends TerraformStack {
  constructor(scope: Construct, id: string, env: NodeJS.ProcessEnv = process.env) {
    super(scope, id);
    const apiKey = new TerraformVariable(this, "octopus_api_key", {
      type: "string",
      sensitive: true,
      description: "Octopus Deploy API key of the service account (API-...)",
    });
    const connection = new OctopusDeployConnection(this, "octopus", {
      name: "my-octopus-deploy-connection",
      description: env.CONNECTION_DESCRIPTION ?? "Octopus for production",
      projectId: env.KMS_PROJECT_ID || undefined,
      instanceUrl: env.OCTOPUS_URL ?? "https://your-instance.octopus.app",
      apiKey: apiKey.value,
      kmsUrl: env.KMS_URL ?? "https://app.kms.hanzo.ai",
      // The default is the package's provider; EXAMPLE_ENGINE=terraform_data runs the hook engine.
      engine: (env.EXAMPLE_ENGINE as "provider" | "terraform_data" | undefined) || undefined,
    });
    if (env.OCTOPUS_PROJECT_ID) {
      new OctopusDeploySecretSync(this, "app-secrets", {
        name: "app-secrets",
        description: env.SYNC_DESCRIPTION ?? "KMS secrets as Octopus project variables",
        connection,
        projectId: env.SYNC_KMS_PROJECT_ID ?? "",
        environment: env.SYNC_ENVIRONMENT ?? "dev",
        secretPath: env.SYNC_SECRET_PATH ?? "/",
        destination: { spaceId: env.OCTOPUS_SPACE_ID ?? "Spaces-1", projectId: env.OCTOPUS_PROJECT_ID },
        syncOptions: { keySchema: "APP_{{secretKey}}" },
        removeSecretsOnDestroy: true,
      });
    }
  }
}

if (require.main === module) {
  const app = new App();
  new OctopusConnectionsStack(app, "octopus-connections");
  app.synth();
}
