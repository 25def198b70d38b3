/**
 * Type-checks generated TypeScript against the library, as a user's project would compile it
 * (strict; "cdktf-kms-octopus" resolves to the built declarations, dist/lib/index.d.ts).
 */
import * as path from "node:path";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..", "..");

/** Diagnostics of each file (name -> code), compiled together as strict CommonJS modules; [] when one compiles. */
export function typecheck(files: Readonly<Record<string, string>>): Record<string, string[]> {
  const paths = new Map(Object.entries(files).map(([name, code]) => [path.join(ROOT, "test", "stacks", `__generated__${name}.ts`), code]));
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    skipLibCheck: true,
    types: ["node"],
    noUnusedLocals: true,
    noUnusedParameters: true,
    baseUrl: ROOT,
    paths: { "cdktf-kms-octopus": ["dist/lib/index.d.ts"] }, // built before tests (npm test runs the build)
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (f) => paths.get(path.resolve(f)) ?? readFile(f);
  host.fileExists = (f) => paths.has(path.resolve(f)) || fileExists(f);
  const program = ts.createProgram([...paths.keys()], options, host);
  const diagnostics = ts.getPreEmitDiagnostics(program);
  return Object.fromEntries(
    [...paths.keys()].map((file, i) => [
      Object.keys(files)[i]!,
      diagnostics
        .filter((d) => d.file !== undefined && path.resolve(d.file.fileName) === file)
        .map((d) => `${d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`),
    ]),
  );
}

/** Runs generated TypeScript (transpiled) with "cdktf-kms-octopus" bound to this repository's library. */
export function load<T>(code: string): T {
  const js = ts.transpileModule(code, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
  const module = { exports: {} as T };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const req = (id: string) => (id === "cdktf-kms-octopus" ? require("../../lib") : require(id));
  new Function("require", "module", "exports", js)(req, module, module.exports);
  return module.exports;
}
