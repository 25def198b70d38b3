/**
 * Measurements that one section makes and another reports: the logins of every deploy and destroy
 * (P2, counted in P3 and P5), and the synth and deploy times by size that P7 reuses from P4 and P5.
 */

/** Logins of one cdktf deploy or destroy. */
export interface LoginCount {
  readonly n: number;
  readonly logins: number;
  readonly where: string;
}

/** P2: the logins of every deploy and destroy of the hook engine. */
export const p2Logins: LoginCount[] = [];
/** P7: cdktf synth times (ms) by N. */
export const p7Synth = new Map<number, number[]>();
/** P7: cdktf deploy times (ms), requests per connection and logins by N. */
export const p7Deploy = new Map<number, { ms: number[]; perConnection: number[]; logins: number[] }>();
/** P7: the curl baseline's deploy times by N, for the growth Terraform itself shows. */
export const p7DeployBaseline = new Map<number, number[]>();
/** P7: the subject's resources without their hooks: what Terraform alone costs for them. */
export const p7DeployHookless = new Map<number, number[]>();
