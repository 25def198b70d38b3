/**
 * The local KMS's calls out to Octopus Deploy, with upstream's SSRF rules (lib/validator/safe-request.ts,
 * validate-url.ts): URLs with `user:pass@` are refused ("URLs with user credentials (e.g., user:pass@)
 * are not allowed"); `localhost` and names or addresses that are loopback, private or link-local are
 * refused ("Local IPs not allowed as URL") unless internal connections are allowed (upstream's
 * ALLOW_INTERNAL_IP_CONNECTIONS; the local KMS also lets `localhost` through then, as upstream's
 * development mode does). Redirects are never followed: a 3xx is an answer like any other.
 */
import { lookup } from "node:dns/promises";
import * as http from "node:http";
import * as https from "node:https";
import { isIP } from "node:net";
import { badRequest } from "./errors";

/** Upstream's refusal of a URL with user info. */
export const CREDENTIALS_IN_URL = "URLs with user credentials (e.g., user:pass@) are not allowed";
/** Upstream's refusal of a local or private address. */
export const LOCAL_IPS_NOT_ALLOWED = "Local IPs not allowed as URL";

/** How outbound calls are checked. */
export interface OutboundPolicy {
  /** Whether loopback, private and link-local addresses may be called (ALLOW_INTERNAL_IP_CONNECTIONS). */
  readonly allowInternalIpConnections: boolean;
}

/** An answer from Octopus: status and body text. */
export interface OutboundAnswer {
  /** HTTP status. */
  readonly status: number;
  /** The body as text. */
  readonly body: string;
}

/** Throws upstream's 400 when the URL may not be called under `policy`. */
export async function checkOutboundUrl(url: URL, policy: OutboundPolicy): Promise<void> {
  if (url.username !== "" || url.password !== "") throw badRequest(CREDENTIALS_IN_URL);
  if (policy.allowInternalIpConnections) return;
  const host = url.hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase();
  if (host === "localhost" || host === "host.docker.internal") throw badRequest(LOCAL_IPS_NOT_ALLOWED);
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address);
  if (addresses.some(isPrivateAddress)) throw badRequest(LOCAL_IPS_NOT_ALLOWED);
}

/** Loopback, private (RFC 1918, unique-local), link-local, CGNAT, "this network" and unspecified addresses. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ip = mapped ? (mapped[1] as string) : address;
  if (isIP(ip) === 4) {
    const [a, b] = ip.split(".").map(Number) as [number, number];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  const v6 = ip.toLowerCase();
  return v6 === "::" || v6 === "::1" || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6);
}

/**
 * One request after the URL check: JSON accept/content type, the Octopus key headers, no redirect
 * followed, abandoned after `timeoutMs` ("timeout of Nms exceeded", as axios words it).
 */
export async function guardedRequest(
  method: "GET" | "PUT",
  target: URL,
  apiKey: string,
  body: unknown,
  policy: OutboundPolicy,
  timeoutMs: number,
): Promise<OutboundAnswer> {
  await checkOutboundUrl(target, policy);
  if (target.protocol !== "http:" && target.protocol !== "https:") throw new Error(`Unsupported protocol ${target.protocol}`);
  const client = target.protocol === "https:" ? https : http;
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = { "X-Octopus-ApiKey": apiKey, "X-NuGet-ApiKey": apiKey, Accept: "application/json" };
  if (text !== undefined) {
    headers["Content-Type"] = "application/json";
    headers["Content-Length"] = String(Buffer.byteLength(text));
  }
  return new Promise((resolve, reject) => {
    const request = client.request(target, { method, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") });
      });
      response.on("error", reject);
    });
    const timer = setTimeout(() => request.destroy(new Error(`timeout of ${timeoutMs}ms exceeded`)), timeoutMs);
    request.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(text);
  });
}
