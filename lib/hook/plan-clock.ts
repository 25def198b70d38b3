/**
 * "Is this connection new in this apply?" The connection resource records `plantimestamp()` of the
 * plan that creates it (`born`, then kept by ignore_changes); the sync hook gets the timestamp of the
 * plan being applied. Equal means the connection resource was created by this plan: POST at once
 * (1 request) instead of looking the connection up first.
 *
 * Terraform's timestamps have whole seconds, so two plans within one second would look alike: a
 * change planned in the same second as the creation would be taken for a creation (and its POST
 * refused as a name conflict). The hook that creates a connection therefore returns only once that
 * second is over: every later plan, which starts after this apply ends, has a later timestamp. That
 * costs at most one second, and nothing when the apply took longer than its plan's first second,
 * as a `cdktf deploy` does.
 */

/** Whether the connection resource was born in the plan being applied. */
export function bornInThisPlan(bornAt: string | undefined, plannedAt: string | undefined): boolean {
  return Boolean(bornAt) && bornAt === plannedAt;
}

/** Milliseconds until the second of `bornAt` (an RFC 3339 timestamp) is over; 0 when it is, or when unreadable. */
export function msUntilBornSecondEnds(bornAt: string | undefined, nowMs: number): number {
  const born = bornAt ? Date.parse(bornAt) : NaN;
  if (!Number.isFinite(born)) return 0;
  const end = Math.floor(born / 1000) * 1000 + 1000;
  return Math.max(0, Math.min(1000, end - nowMs + 1));
}
