/**
 * The one place in lib/ that loads the CDK library: `cdktf` (HashiCorp, sunset at 0.21) or `cdktn`
 * (CDK Terrain, its drop-in fork). A construct library must use the very copy the user's app uses,
 * else `instanceof`, Aspects and synthesis break, so the choice is made once, at load time:
 *
 *   1. `CDKTF_KMS_OCTOPUS_CDK=cdktf|cdktn` if set (for projects that have both installed);
 *   2. else `cdktf` if it resolves from this package (normal Node resolution, i.e. the app's node_modules);
 *   3. else `cdktn`.
 *
 * Types come from `cdktf` (same API in cdktn 0.24); every other file imports from here, never from
 * "cdktf"/"cdktn". `assertSameCdkLibrary` lets the constructs fail clearly when the app uses the other one.
 */
import type * as Cdktf from "cdktf";
import { Construct } from "constructs";

/** The environment variable that picks the CDK library when both `cdktf` and `cdktn` are installed. */
export const CDK_LIBRARY_ENV = "CDKTF_KMS_OCTOPUS_CDK";

/** The npm packages this library can run on. */
export const CDK_LIBRARIES = ["cdktf", "cdktn"] as const;

/** One of {@link CDK_LIBRARIES}. */
export type CdkLibraryName = (typeof CDK_LIBRARIES)[number];

/** A missing or unusable CDK library, or an app built on the other one. */
export class CdkLibraryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CdkLibraryError";
  }
}

function resolves(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * Which library to load, from the environment and what resolves (exported for tests).
 * @throws CdkLibraryError on a bad `CDKTF_KMS_OCTOPUS_CDK` value or when neither package resolves.
 */
export function chooseCdkLibrary(env: NodeJS.ProcessEnv = process.env, canResolve: (name: string) => boolean = resolves): CdkLibraryName {
  const wanted = env[CDK_LIBRARY_ENV]?.trim();
  if (wanted) {
    const name = CDK_LIBRARIES.find((n) => n === wanted);
    if (!name) throw new CdkLibraryError(`${CDK_LIBRARY_ENV} must be one of ${CDK_LIBRARIES.join(", ")}; got ${JSON.stringify(wanted)}`);
    if (!canResolve(name)) throw new CdkLibraryError(`${CDK_LIBRARY_ENV}=${name} but the package "${name}" is not installed (npm install ${name})`);
    return name;
  }
  const found = CDK_LIBRARIES.find((n) => canResolve(n));
  if (!found) throw new CdkLibraryError(`cdktf-kms-octopus needs "cdktn" or "cdktf" installed next to it (npm install cdktn constructs)`);
  return found;
}

/** The name of the loaded library: "cdktf" or "cdktn". */
export const CDK_LIBRARY: CdkLibraryName = chooseCdkLibrary();

// eslint-disable-next-line @typescript-eslint/no-require-imports
const cdk = require(CDK_LIBRARY) as typeof Cdktf;
// Not in the package's index; same path and signature in cdktf 0.21 and cdktn 0.24.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const synthesizer = require(`${CDK_LIBRARY}/lib/synthesize/synthesizer`) as typeof import("cdktf/lib/synthesize/synthesizer");

/**
 * Throws unless `scope`'s App was built with the loaded library (an app on cdktn while this package
 * loaded cdktf, or the other way round, would lose `instanceof`, Aspects and validations).
 */
export function assertSameCdkLibrary(scope: Construct): void {
  const root = scope.node.root;
  if (root instanceof cdk.App) return;
  // Testing.synthScope and bare Constructs have no App: only an App of the other library is wrong.
  const other = CDK_LIBRARIES.find((n) => n !== CDK_LIBRARY)!;
  if (!cdk.App.isApp(root)) return;
  throw new CdkLibraryError(
    `the app was built with a different copy of the CDK library than cdktf-kms-octopus loaded ("${CDK_LIBRARY}"); ` +
      `if your app uses "${other}", set ${CDK_LIBRARY_ENV}=${other} (both packages are installed), ` +
      `or make sure only one copy of "${CDK_LIBRARY}" is installed (npm ls ${CDK_LIBRARY})`,
  );
}

export const addCustomSynthesis = synthesizer.addCustomSynthesis;

export const AnyMap = cdk.AnyMap;
export type AnyMap = Cdktf.AnyMap;
export const Annotations = cdk.Annotations;
export type Annotations = Cdktf.Annotations;
export const App = cdk.App;
export type App = Cdktf.App;
export const AssetType = cdk.AssetType;
export type AssetType = Cdktf.AssetType;
export const DataResource = cdk.DataResource;
export type DataResource = Cdktf.DataResource;
export const Fn = cdk.Fn;
export type Fn = Cdktf.Fn;
export const Lazy = cdk.Lazy;
export type Lazy = Cdktf.Lazy;
export const LocalBackend = cdk.LocalBackend;
export type LocalBackend = Cdktf.LocalBackend;
export type LocalExecProvisioner = Cdktf.LocalExecProvisioner;
export const S3Backend = cdk.S3Backend;
export type S3Backend = Cdktf.S3Backend;
export const TerraformAsset = cdk.TerraformAsset;
export type TerraformAsset = Cdktf.TerraformAsset;
export const TerraformDataSource = cdk.TerraformDataSource;
export type TerraformDataSource = Cdktf.TerraformDataSource;
export const TerraformLocal = cdk.TerraformLocal;
export type TerraformLocal = Cdktf.TerraformLocal;
export const TerraformOutput = cdk.TerraformOutput;
export type TerraformOutput = Cdktf.TerraformOutput;
export const TerraformProvider = cdk.TerraformProvider;
export type TerraformProvider = Cdktf.TerraformProvider;
export const TerraformResource = cdk.TerraformResource;
export type TerraformResource = Cdktf.TerraformResource;
export const TerraformStack = cdk.TerraformStack;
export type TerraformStack = Cdktf.TerraformStack;
export const TerraformVariable = cdk.TerraformVariable;
export type TerraformVariable = Cdktf.TerraformVariable;
export const Testing = cdk.Testing;
export type Testing = Cdktf.Testing;
export const Token = cdk.Token;
export type Token = Cdktf.Token;
export const anyToHclTerraform = cdk.anyToHclTerraform;
export const anyToTerraform = cdk.anyToTerraform;
export const hashMapper = cdk.hashMapper;
export const hashMapperHcl = cdk.hashMapperHcl;
