/** The pieces of a drift report line that connections and secret syncs share. */
import type { DriftDifference, DriftEntry, DriftKind, DriftStatus } from "./drift";

/** What a declaration contributes to its line: where it is declared. */
export interface DeclaredAt {
  readonly stack: { readonly name: string; readonly dir: string };
  readonly address: string;
  readonly path: string | null;
}

/** The resolved values a line shows (any may be missing when they could not be resolved). */
export interface LineValues {
  readonly name?: string | null;
  readonly kmsUrl?: string | null;
  readonly projectId?: string | null;
}

/** One line of the report for a declared connection or sync. */
export function declaredEntry(
  kind: DriftKind,
  decl: DeclaredAt,
  status: DriftStatus,
  values: LineValues,
  id: string | null,
  differences: readonly DriftDifference[],
  detail: string | null,
  extra: Pick<DriftEntry, "syncStatus"> = {},
): DriftEntry {
  return {
    kind,
    status,
    name: values.name ?? null,
    kmsUrl: values.kmsUrl ?? null,
    projectId: values.projectId ?? null,
    stack: decl.stack.name,
    stackDir: decl.stack.dir,
    address: decl.address,
    path: decl.path,
    id,
    differences,
    detail,
    ...extra,
  };
}

/** The present parts of a detail, joined with "; " (null when there are none). */
export function joinDetails(...parts: (string | null)[]): string | null {
  const present = parts.filter((p): p is string => !!p);
  return present.length ? present.join("; ") : null;
}

/** A line for a live connection or sync that no stack declares. */
export function unmanagedEntry(kind: DriftKind, live: { readonly id: string; readonly name: string }, kmsUrl: string, projectId: string | null, detail: string, extra: Pick<DriftEntry, "syncStatus"> = {}): DriftEntry {
  return { kind, status: "unmanaged", name: live.name, kmsUrl, projectId, stack: null, stackDir: null, address: null, path: null, id: live.id, differences: [], detail, ...extra };
}
