/** How messages name a connection's scope, everywhere (hook, drift, plan, import, CLI). */

/** "the organization" or "project <id>". */
export function describeScope(projectId: string | null | undefined): string {
  return projectId ? `project ${projectId}` : "the organization";
}
