/**
 * The connections a synthesized stack declares, read from `cdktf.out/stacks/NAME/cdk.tf.json`
 * without Terraform: every `hanzokms_octopus_deploy_connection` of the provider engine (its KMS URL
 * from the provider block it uses), and every hook-engine resource whose declaration carries the
 * construct's marker (the `terraform_data` input, or the `null_resource` triggers); and every
 * `hanzokms_octopus_deploy_secret_sync` (OctopusDeploySecretSync, provider engine only).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ConfigValue, decodeNullable } from "./terraform-values";
import { CONNECTION_MARKER } from "../construct/octopus-deploy-connection";
import type { Engine } from "../construct/props";
import { PROVIDER_TYPE, TYPE_NAMES } from "../provider/address";
import { ConfigError } from "../kms/errors";
import { HOOK_ENV } from "../hook/protocol";

/** A synthesized stack. */
export interface SynthesizedStack {
  /** Stack name (cdktf's stackName, else the directory name). */
  readonly name: string;
  /** Absolute path of the stack directory. */
  readonly dir: string;
  /** The parsed cdk.tf.json. */
  readonly config: Readonly<Record<string, unknown>>;
  /** The backend block: type (local, s3, ...) and its settings; undefined when there is none. */
  readonly backend: { readonly type: string; readonly settings: Readonly<Record<string, unknown>> } | undefined;
}

/** The declared fields of a connection, as configuration values (null: not set). */
export interface DeclaredFields {
  readonly kmsUrl: ConfigValue | null;
  readonly projectId: ConfigValue | null;
  readonly name: ConfigValue | null;
  readonly description: ConfigValue | null;
  readonly instanceUrl: ConfigValue | null;
  readonly renamedFrom: ConfigValue | null;
}

/** One OctopusDeployConnection of a synthesized stack. */
export interface DeclaredConnection {
  /** The stack it belongs to. */
  readonly stack: SynthesizedStack;
  /** Terraform address of its connection resource, e.g. hanzokms_octopus_deploy_connection.octopus_connection_A13CABB9 (terraform_data.… with the hook engine). */
  readonly address: string;
  /** The engine that carries it (the resource type of the hook engines). */
  readonly engine: Engine;
  /** Construct path, e.g. my-stack/octopus (null when it is an expression, which the construct never writes). */
  readonly path: string | null;
  /** What it declares. */
  readonly fields: DeclaredFields;
}

/** One OctopusDeploySecretSync of a synthesized stack (its provider resource). */
export interface DeclaredSync {
  readonly stack: SynthesizedStack;
  /** Terraform address, e.g. hanzokms_octopus_deploy_secret_sync.app_sync_0A1B2C3D. */
  readonly address: string;
  /** Construct path, e.g. my-stack/app (null when cdktf wrote no metadata). */
  readonly path: string | null;
  /** The `kms_url` of the provider configuration it uses (null: the stack has none). */
  readonly kmsUrl: ConfigValue | null;
  /** Its attributes as synthesized: strings (Terraform references as "${...}"), booleans and lists; unset ones absent. */
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** Keys of the declaration record (snake_case, as synthesized) for each field. */
export const DECLARATION_KEYS: Readonly<Record<keyof DeclaredFields, string>> = {
  kmsUrl: "kms_url",
  projectId: "project_id",
  name: "name",
  description: "description",
  instanceUrl: "instance_url",
  renamedFrom: "renamed_from",
};

/** The `hanzokms_octopus_deploy_connection` resource type of the provider engine. */
export const PROVIDER_CONNECTION_TYPE = TYPE_NAMES.connection;
/** The `hanzokms_octopus_deploy_secret_sync` resource type. */
export const PROVIDER_SYNC_TYPE = TYPE_NAMES.secretSync;

/** Keys the null_resource engine writes as "" when null. */
const NULLABLE_KEYS = new Set(["project_id", "description", "renamed_from", "api_key_env"]);

/** Reads one stack directory (one that holds cdk.tf.json). */
export function readStack(dir: string): SynthesizedStack {
  const abs = path.resolve(dir);
  const file = path.join(abs, "cdk.tf.json");
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new ConfigError(`${dir} is not a synthesized stack: it has no cdk.tf.json. Run \`npx cdktf synth\` first, or pass --stack cdktf.out/stacks/NAME.`);
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file} is not valid JSON (${err instanceof Error ? err.message : String(err)}); synthesize again.`);
  }
  if (!isRecord(config)) throw new ConfigError(`${file} is not a Terraform JSON configuration (not an object).`);
  const meta = record(record(config["//"])?.metadata);
  const name = typeof meta?.stackName === "string" ? meta.stackName : path.basename(abs);
  const backendBlock = record(record(config.terraform)?.backend);
  const backendType = backendBlock ? Object.keys(backendBlock)[0] : undefined;
  const backend = backendType ? { type: backendType, settings: record(backendBlock![backendType]) ?? {} } : undefined;
  return { name, dir: abs, config, backend };
}

/**
 * Resolves what the user passed as --stack: a stack directory, or a stack name under the cdktf
 * output directory.
 */
export function resolveStackDir(arg: string, outdir: string): string {
  if (fs.existsSync(path.join(arg, "cdk.tf.json"))) return arg;
  const byName = path.join(outdir, "stacks", arg);
  if (!arg.includes("/") && !arg.includes(path.sep) && fs.existsSync(path.join(byName, "cdk.tf.json"))) return byName;
  throw new ConfigError(`${arg} is not a synthesized stack: it has no cdk.tf.json (nor is it a stack name under ${path.join(outdir, "stacks")}). Run \`npx cdktf synth\` first.`);
}

/** The cdktf output directory of the project in `cwd`: cdktf.json's "output", else cdktf.out. */
export function cdktfOutdir(cwd: string): string {
  try {
    const project: unknown = JSON.parse(fs.readFileSync(path.join(cwd, "cdktf.json"), "utf8"));
    if (isRecord(project) && typeof project.output === "string" && project.output) return path.resolve(cwd, project.output);
  } catch {
    // no (readable) cdktf.json: the cdktf default
  }
  return path.resolve(cwd, "cdktf.out");
}

/** Every synthesized stack directory under the output directory, sorted. */
export function listStackDirs(outdir: string): string[] {
  const stacksDir = path.join(outdir, "stacks");
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(stacksDir, { withFileTypes: true });
  } catch {
    throw new ConfigError(`No synthesized stacks in ${stacksDir}: run \`npx cdktf synth\` first, or pass --stack with a stack directory.`);
  }
  const dirs = entries
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(stacksDir, e.name, "cdk.tf.json")))
    .map((e) => path.join(stacksDir, e.name))
    .sort();
  if (dirs.length === 0) throw new ConfigError(`No synthesized stacks in ${stacksDir}: run \`npx cdktf synth\` first.`);
  return dirs;
}

/** The connections a stack declares, in address order. */
export function declaredConnections(stack: SynthesizedStack): DeclaredConnection[] {
  const resources = record(stack.config.resource) ?? {};
  const out: DeclaredConnection[] = [];
  for (const [type, key] of [["terraform_data", "input"], ["null_resource", "triggers"]] as const) {
    for (const [name, block] of Object.entries(record(resources[type]) ?? {})) {
      const declaration = record(record(block)?.[key]);
      if (!declaration || declaration.marker !== CONNECTION_MARKER) continue;
      const value = (k: string) => {
        const raw = declaration[k];
        return type === "null_resource" && NULLABLE_KEYS.has(k) && raw === "" ? null : decodeNullable(raw);
      };
      const fields = Object.fromEntries(Object.entries(DECLARATION_KEYS).map(([field, k]) => [field, value(k)])) as unknown as DeclaredFields;
      const p = value("path");
      out.push({ stack, address: `${type}.${name}`, engine: type, path: p?.known ? p.value : null, fields });
    }
  }
  for (const [name, block] of Object.entries(record(resources[PROVIDER_CONNECTION_TYPE]) ?? {})) {
    const attrs = record(block) ?? {};
    const fields: DeclaredFields = {
      kmsUrl: decodeNullable(providerKmsUrl(stack.config, attrs.provider)),
      projectId: decodeNullable(attrs.project_id),
      name: decodeNullable(attrs.name),
      description: decodeNullable(attrs.description),
      instanceUrl: decodeNullable(attrs.instance_url),
      renamedFrom: null, // the provider renames by id: no renamedFrom
    };
    // cdktf's metadata path is the resource's: <construct path>/connection.
    const metaPath = record(record(attrs["//"])?.metadata)?.path;
    const p = typeof metaPath === "string" ? metaPath.replace(/\/connection$/, "") : null;
    out.push({ stack, address: `${PROVIDER_CONNECTION_TYPE}.${name}`, engine: "provider", path: p, fields });
  }
  return out.sort((a, b) => a.address.localeCompare(b.address));
}

/** The secret syncs a stack declares, in address order. */
export function declaredSyncs(stack: SynthesizedStack): DeclaredSync[] {
  const resources = record(record(stack.config.resource)?.[PROVIDER_SYNC_TYPE]) ?? {};
  return Object.entries(resources)
    .map(([name, block]) => {
      const { "//": meta, provider, ...attributes } = record(block) ?? {};
      // cdktf's metadata path is the resource's: <construct path>/sync.
      const metaPath = record(record(meta)?.metadata)?.path;
      return {
        stack,
        address: `${PROVIDER_SYNC_TYPE}.${name}`,
        path: typeof metaPath === "string" ? metaPath.replace(/\/sync$/, "") : null,
        kmsUrl: decodeNullable(providerKmsUrl(stack.config, provider)),
        attributes,
      };
    })
    .sort((a, b) => a.address.localeCompare(b.address));
}

/**
 * The `kms_url` of the `hanzokms` provider configuration a resource uses: `provider` is absent or
 * "hanzokms" for the default configuration, "hanzokms.<alias>" for an aliased one. Undefined when
 * the stack has no such configuration.
 */
export function providerKmsUrl(config: Readonly<Record<string, unknown>>, providerRef: unknown): unknown {
  const ref = typeof providerRef === "string" ? providerRef.replace(/^\$\{(.*)\}$/, "$1") : PROVIDER_TYPE;
  const alias = ref.startsWith(`${PROVIDER_TYPE}.`) ? ref.slice(PROVIDER_TYPE.length + 1) : undefined;
  const blocks = record(config.provider)?.[PROVIDER_TYPE];
  const list = Array.isArray(blocks) ? blocks : blocks ? [blocks] : [];
  const match = list.map(record).find((b) => b !== undefined && (typeof b.alias === "string" ? b.alias : undefined) === alias);
  return match?.kms_url;
}

/** What a stack's `removed` block does with the resource it names. */
export interface RemovedBlock {
  /** lifecycle.destroy: true destroys the resource (running its destroy-time provisioner), false forgets it. */
  readonly destroy: boolean;
  /** Whether the block carries a destroy-time provisioner (OctopusDeployConnection.removed's delete hook). */
  readonly destroyHook: boolean;
  /** Whether that hook deletes whatever removalPolicy was recorded (`removed(..., { removalPolicy: "destroy" })`). */
  readonly overridesRetain: boolean;
}

/** The stack's `removed` blocks (Terraform 1.9+), by the address they name in `from`. */
export function removedBlocks(stack: SynthesizedStack): Map<string, RemovedBlock> {
  const out = new Map<string, RemovedBlock>();
  const blocks = stack.config.removed;
  for (const block of Array.isArray(blocks) ? blocks : blocks ? [blocks] : []) {
    const b = record(block);
    if (!b || typeof b.from !== "string") continue;
    const lifecycle = record(Array.isArray(b.lifecycle) ? b.lifecycle[0] : b.lifecycle);
    const provisioners = Array.isArray(b.provisioner) ? b.provisioner : b.provisioner ? [b.provisioner] : [];
    const hooks = provisioners.map((p) => record(record(p)?.["local-exec"])).filter((exec) => exec?.when === "destroy");
    const overridesRetain = hooks.some((exec) => /removal_policy\s*=\s*"destroy"/.test(String(record(exec?.environment)?.[HOOK_ENV.event] ?? "")));
    out.set(b.from, { destroy: lifecycle?.destroy !== false, destroyHook: hooks.length > 0, overridesRetain });
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function record(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}
