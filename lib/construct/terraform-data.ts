/**
 * A `terraform_data` resource (Terraform's built-in), written exactly as cdktf's `DataResource`
 * writes it, minus one thing: `DataResource` validates every instance by running `terraform version`
 * as a child process at synth, once per resource (two per connection; bench/RESULTS.md, P4). The hook
 * asset checks the Terraform version once per stack instead (hook-asset.ts).
 */
import { AnyMap, LocalExecProvisioner, TerraformResource, anyToHclTerraform, anyToTerraform, hashMapper, hashMapperHcl } from "../cdk";
import { Construct } from "constructs";

/** Configuration of {@link TerraformData}. */
export interface TerraformDataConfig {
  /** Stored in state and mirrored to `output`; changes update in place. @default - none */
  readonly input?: Record<string, unknown>;
  /** Any change replaces the resource. @default - none */
  readonly triggersReplace?: Record<string, unknown>;
  /** Provisioners (the hooks). */
  readonly provisioners: LocalExecProvisioner[];
}

/** `terraform_data` without the per-instance version check. */
export class TerraformData extends TerraformResource {
  /** The `output` attribute (mirrors `input` after apply). */
  public readonly output: AnyMap;

  constructor(
    scope: Construct,
    id: string,
    private readonly config: TerraformDataConfig,
  ) {
    super(scope, id, {
      terraformResourceType: "terraform_data",
      terraformGeneratorMetadata: { providerName: "terraform" },
      provisioners: config.provisioners,
    });
    this.output = new AnyMap(this, "output");
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return { input: hashMapper(anyToTerraform)(this.config.input), triggers_replace: hashMapper(anyToTerraform)(this.config.triggersReplace) };
  }

  protected synthesizeHclAttributes(): Record<string, unknown> {
    return { input: hashMapperHcl(anyToHclTerraform)(this.config.input), triggers_replace: hashMapperHcl(anyToHclTerraform)(this.config.triggersReplace) };
  }
}
