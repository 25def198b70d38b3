/**
 * The fake Octopus Deploy's project variables: spaces, projects and one variable set per project,
 * served as Octopus serves them (`GET|PUT /api/{spaceId}/projects/{projectId}/variables`). As the
 * real Octopus does, a GET never returns a sensitive variable's value (`Value: null`), and a PUT
 * that sends a sensitive variable back with its `Id` and a null value keeps the stored value.
 * Values stay in memory only, readable by tests through {@link OctopusVariableStore.variables}.
 */
import { randomUUID } from "node:crypto";

/** The scope keys of an Octopus variable (each a list of scope-value ids). */
export interface OctopusScope {
  readonly Environment?: readonly string[];
  readonly Role?: readonly string[];
  readonly Machine?: readonly string[];
  readonly ProcessOwner?: readonly string[];
  readonly Action?: readonly string[];
  readonly Channel?: readonly string[];
  readonly TenantTag?: readonly string[];
}

/** One variable of a variable set. */
export interface OctopusVariable {
  readonly Id: string;
  readonly Name: string;
  readonly Value: string | null;
  readonly Description: string | null;
  readonly Scope: OctopusScope;
  readonly IsEditable: boolean;
  readonly Type: string;
  readonly IsSensitive: boolean;
  readonly Prompt: unknown;
}

/** A variable to seed: `Id`, `Scope` and the flags may be left out. */
export type OctopusVariableInput = Partial<OctopusVariable> & { readonly Name: string; readonly Value: string | null };

/** A project's variable set. */
export interface OctopusVariableSet {
  readonly Id: string;
  readonly OwnerId: string;
  readonly SpaceId: string;
  readonly Version: number;
  readonly Variables: readonly OctopusVariable[];
  readonly ScopeValues: Readonly<Record<string, readonly { readonly Id: string; readonly Name: string }[]>>;
}

/** The space and project that exist from the start. */
export const DEFAULT_SPACE_ID = "Spaces-1";
/** @see DEFAULT_SPACE_ID */
export const DEFAULT_PROJECT_ID = "Projects-1";

/** The scope values every fake project offers (ids a sync's scopeValues may name). */
const SCOPE_VALUES = {
  Environments: [
    { Id: "Environments-1", Name: "Development" },
    { Id: "Environments-2", Name: "Staging" },
    { Id: "Environments-3", Name: "Production" },
  ],
  Roles: [{ Id: "web-server", Name: "web-server" }],
  Machines: [{ Id: "Machines-1", Name: "web-01" }],
  Processes: [{ Id: "deploymentprocess-Projects-1", Name: "Deployment process" }],
  Actions: [{ Id: "Actions-1", Name: "Deploy" }],
  Channels: [{ Id: "Channels-1", Name: "Default" }],
  TenantTags: [],
};

/** The variable sets of every space and project the fake knows. */
export class OctopusVariableStore {
  private readonly spaces = new Map<string, Map<string, OctopusVariableSet>>();

  constructor() {
    this.addProject(DEFAULT_SPACE_ID, DEFAULT_PROJECT_ID);
  }

  /** Makes a project (and its space) exist, with an empty variable set; no change if it exists. */
  addProject(spaceId: string, projectId: string): void {
    const space = this.spaces.get(spaceId) ?? new Map<string, OctopusVariableSet>();
    this.spaces.set(spaceId, space);
    if (space.has(projectId)) return;
    space.set(projectId, { Id: `variableset-${projectId}`, OwnerId: projectId, SpaceId: spaceId, Version: 0, Variables: [], ScopeValues: SCOPE_VALUES });
  }

  /** Whether the space exists. */
  hasSpace(spaceId: string): boolean {
    return this.spaces.has(spaceId);
  }

  /** The stored set WITH sensitive values (the test-only view), or undefined for an unknown project. */
  stored(spaceId: string, projectId: string): OctopusVariableSet | undefined {
    return this.spaces.get(spaceId)?.get(projectId);
  }

  /** The stored variables with their values; throws for an unknown project (a test bug). */
  variables(spaceId: string, projectId: string): readonly OctopusVariable[] {
    const set = this.stored(spaceId, projectId);
    if (!set) throw new Error(`fake Octopus has no project ${projectId} in space ${spaceId}`);
    return set.Variables;
  }

  /** What GET answers: sensitive values are never returned. */
  read(spaceId: string, projectId: string): OctopusVariableSet | undefined {
    const set = this.stored(spaceId, projectId);
    return set && { ...set, Variables: set.Variables.map((v) => (isSensitive(v) ? { ...v, Value: null } : v)) };
  }

  /** Replaces the variables (a PUT, or a test seeding the project); returns the set as GET shows it. */
  write(spaceId: string, projectId: string, variables: readonly OctopusVariableInput[]): OctopusVariableSet {
    const current = this.stored(spaceId, projectId);
    if (!current) throw new Error(`fake Octopus has no project ${projectId} in space ${spaceId}`);
    const previous = new Map(current.Variables.map((v) => [v.Id, v]));
    const next = variables.map((input): OctopusVariable => {
      const old = input.Id === undefined ? undefined : previous.get(input.Id);
      const sensitive = input.IsSensitive === true || input.Type === "Sensitive";
      const keepsValue = sensitive && input.Value === null && old !== undefined;
      return {
        Id: input.Id ?? randomUUID(),
        Name: input.Name,
        Value: keepsValue ? old.Value : input.Value,
        Description: input.Description ?? null,
        Scope: compactScope(input.Scope ?? {}),
        IsEditable: input.IsEditable ?? true,
        Type: input.Type ?? (sensitive ? "Sensitive" : "String"),
        IsSensitive: sensitive,
        Prompt: input.Prompt ?? null,
      };
    });
    this.spaces.get(spaceId)!.set(projectId, { ...current, Version: current.Version + 1, Variables: next });
    return this.read(spaceId, projectId)!;
  }
}

function isSensitive(variable: OctopusVariable): boolean {
  return variable.IsSensitive || variable.Type === "Sensitive";
}

/** Octopus stores only the scope keys that have values. */
function compactScope(scope: OctopusScope): OctopusScope {
  return Object.fromEntries(Object.entries(scope).filter(([, ids]) => Array.isArray(ids) && ids.length > 0)) as OctopusScope;
}
