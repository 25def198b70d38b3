/**
 * Loading this package under one CDK library for a test: lib/cdk.ts picks cdktf or cdktn once, at
 * load time (CDKTF_KMS_OCTOPUS_CDK when both are installed, as here), so each library gets its own
 * module registry (jest.isolateModules) in which the package, the example stack and the library
 * itself are loaded together, as in a user's app.
 */
import type * as Cdktf from "cdktf";
import type * as Cdk from "../lib/cdk";
import type * as Lib from "../lib";
import type * as Example from "../examples/main";

/** The two libraries, in the order tests run them. */
export const LIBRARIES = ["cdktf", "cdktn"] as const;

/** One library's world: its own exports (typed as cdktf's, the same API), lib/cdk.ts, the package and the example. */
export interface CdkWorld {
  readonly name: (typeof LIBRARIES)[number];
  readonly native: typeof Cdktf;
  readonly cdk: typeof Cdk;
  readonly lib: typeof Lib;
  readonly example: typeof Example;
}

/** Loads the package with `CDKTF_KMS_OCTOPUS_CDK=name` (or `chosen`, when given, as the package's choice) in a fresh module registry. */
export function loadUnder(name: CdkWorld["name"], chosen: CdkWorld["name"] = name): CdkWorld {
  const previous = process.env.CDKTF_KMS_OCTOPUS_CDK;
  process.env.CDKTF_KMS_OCTOPUS_CDK = chosen;
  try {
    let world: CdkWorld | undefined;
    jest.isolateModules(() => {
      world = {
        name,
        native: require(name) as typeof Cdktf,
        cdk: require("../lib/cdk") as typeof Cdk,
        lib: require("../lib") as typeof Lib,
        example: require("../examples/main") as typeof Example,
      };
    });
    return world!;
  } finally {
    if (previous === undefined) delete process.env.CDKTF_KMS_OCTOPUS_CDK;
    else process.env.CDKTF_KMS_OCTOPUS_CDK = previous;
  }
}
