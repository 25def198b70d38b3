/**
 * Diagnostics with the attribute path they are about, and {@link DiagnosticError}, which resource
 * code throws to stop with diagnostics (the provider turns it into the RPC's answer).
 */
import { AttributePath, Diagnostic } from "../protocol/types";

/** An error diagnostic; `attribute` is the path it points at (none: the whole object or the provider). */
export function errorAt(attribute: AttributePath | undefined, summary: string, detail?: string): Diagnostic {
  return { severity: "error", summary, ...(detail ? { detail } : {}), ...(attribute && attribute.length ? { attribute } : {}) };
}

/** A warning diagnostic. */
export function warningAt(attribute: AttributePath | undefined, summary: string, detail?: string): Diagnostic {
  return { severity: "warning", summary, ...(detail ? { detail } : {}), ...(attribute && attribute.length ? { attribute } : {}) };
}

/** Whether any diagnostic is an error. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Thrown by resource code to answer with these diagnostics (at least one error). */
export class DiagnosticError extends Error {
  public override readonly name = "DiagnosticError";
  constructor(public readonly diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map((d) => `${d.summary}${d.detail ? `: ${d.detail}` : ""}`).join("; "));
  }

  /** One error at a path. */
  static at(attribute: AttributePath | undefined, summary: string, detail?: string): DiagnosticError {
    return new DiagnosticError([errorAt(attribute, summary, detail)]);
  }
}

/** Summary of every diagnostic about the provider's configuration (KMS URL, credentials). */
export const PROVIDER_CONFIG_SUMMARY = "Invalid provider configuration";
