/**
 * A fake Octopus Deploy instance: just enough of its REST API for the KMS: the credential check
 * (`GET /api/users/me`) and a project's variable set (`GET|PUT /api/{spaceId}/projects/{projectId}/variables`,
 * octopus-variables.ts). The API key is read the ways Octopus accepts it: the `X-Octopus-ApiKey`
 * header (preferred) or the `apikey` query parameter (octopus.com/docs/octopus-rest-api). The
 * variables routes can be told to fail (401, 404, 500, ...), so sync statuses and messages are testable.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeServer, listen, LOOPBACK, readBody, sendJson } from "./http";
import { OctopusVariableStore, type OctopusVariableInput } from "./octopus-variables";

/** A failure the variables routes answer with instead of doing their work. */
export interface OctopusFailure {
  /** HTTP status to answer. */
  readonly status: 400 | 401 | 403 | 404 | 500 | 502 | 503;
  /** How many requests fail; then the fake works again. @default - every request until cleared */
  readonly times?: number;
}

/** A running fake Octopus. */
export interface FakeOctopus {
  /** Base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** Spaces, projects and their variables. */
  readonly variables: OctopusVariableStore;
  /** Makes the variables routes fail (`undefined` clears it). */
  setFailure(failure: OctopusFailure | undefined): void;
  /** Stops it. */
  close(): Promise<void>;
}

/** The service account every valid key belongs to. */
const SERVICE_ACCOUNT = { Id: "Users-1", Username: "kms-local", DisplayName: "Local KMS service account", IsService: true };

const UNAUTHORIZED = { ErrorMessage: "You must be logged in to perform this action. Please provide a valid API key or log in again.", Errors: [] };
const NOT_FOUND = { ErrorMessage: "The resource you requested was not found.", Errors: [] };
/** Bodies of the injected failures, worded as Octopus words them. */
const FAILURE_BODIES: Readonly<Record<OctopusFailure["status"], unknown>> = {
  400: { ErrorMessage: "There was a problem with your request.", Errors: ["The variable set is not valid."] },
  401: UNAUTHORIZED,
  403: { ErrorMessage: "You do not have permission to perform this action. Please contact your Octopus administrator. Missing permission: VariableEdit", Errors: [] },
  404: NOT_FOUND,
  500: { ErrorMessage: "An unexpected error occurred in Octopus v2024.1: Internal Server Error", Errors: ["Internal Server Error"] },
  502: { ErrorMessage: "Bad Gateway", Errors: [] },
  503: { ErrorMessage: "Octopus Server is in maintenance mode", Errors: [] },
};

const VARIABLES_PATH = /^\/api\/([^/]+)\/projects\/([^/]+)\/variables\/?$/;

/**
 * Starts the fake Octopus on `preferredPort` when given and free (so instance URLs stored before a
 * restart keep working), else on a random port.
 */
export async function startFakeOctopus(isValidKey: (key: string) => boolean, preferredPort?: number): Promise<FakeOctopus> {
  const variables = new OctopusVariableStore();
  let failure: { status: OctopusFailure["status"]; remaining: number } | undefined;
  const takeFailure = (): OctopusFailure["status"] | undefined => {
    if (!failure) return undefined;
    const { status } = failure;
    if (--failure.remaining <= 0) failure = undefined;
    return status;
  };
  const server = createServer((req, res) => {
    answer(req, res, isValidKey, variables, takeFailure).catch(() => res.destroy());
  });
  let port: number;
  try {
    port = await listen(server, preferredPort ?? 0);
  } catch (error) {
    if (preferredPort === undefined || (error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    port = await listen(server, 0);
  }
  return {
    url: `http://${LOOPBACK}:${port}`,
    port,
    variables,
    setFailure: (next) => {
      if (next !== undefined && next.times !== undefined && !(Number.isSafeInteger(next.times) && next.times > 0)) {
        throw new RangeError(`failure.times must be a positive integer, got ${next.times}`);
      }
      failure = next && { status: next.status, remaining: next.times ?? Number.POSITIVE_INFINITY };
    },
    close: () => closeServer(server),
  };
}

async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  isValidKey: (key: string) => boolean,
  variables: OctopusVariableStore,
  takeFailure: () => OctopusFailure["status"] | undefined,
): Promise<void> {
  const url = new URL(req.url ?? "/", `http://${LOOPBACK}`);
  const raw = await readBody(req);
  const header = req.headers["x-octopus-apikey"];
  const key = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get("apikey");
  const authorized = Boolean(key && isValidKey(key));
  if (req.method === "GET" && url.pathname === "/api/users/me") {
    sendJson(res, authorized ? 200 : 401, authorized ? SERVICE_ACCOUNT : UNAUTHORIZED);
    return;
  }
  const match = VARIABLES_PATH.exec(url.pathname);
  if (!match || (req.method !== "GET" && req.method !== "PUT")) {
    sendJson(res, 404, NOT_FOUND);
    return;
  }
  const failed = takeFailure();
  if (failed !== undefined) {
    sendJson(res, failed, FAILURE_BODIES[failed]);
    return;
  }
  if (!authorized) {
    sendJson(res, 401, UNAUTHORIZED);
    return;
  }
  const [spaceId, projectId] = [decodeURIComponent(match[1] as string), decodeURIComponent(match[2] as string)];
  if (!variables.read(spaceId, projectId)) {
    sendJson(res, 404, { ErrorMessage: `The resource '${variables.hasSpace(spaceId) ? projectId : spaceId}' was not found.`, Errors: [] });
    return;
  }
  if (req.method === "GET") {
    sendJson(res, 200, variables.read(spaceId, projectId));
    return;
  }
  const body = parseVariableSet(raw);
  if (!body) {
    sendJson(res, 400, FAILURE_BODIES[400]);
    return;
  }
  sendJson(res, 200, variables.write(spaceId, projectId, body));
}

/** The `Variables` of a PUT body, or undefined when the body is not a variable set. */
function parseVariableSet(raw: Buffer): OctopusVariableInput[] | undefined {
  try {
    const json = JSON.parse(raw.toString("utf8")) as { Variables?: unknown };
    if (!Array.isArray(json.Variables)) return undefined;
    const ok = json.Variables.every((v: { Name?: unknown; Value?: unknown }) => typeof v?.Name === "string" && (typeof v.Value === "string" || v.Value === null));
    return ok ? (json.Variables as OctopusVariableInput[]) : undefined;
  } catch {
    return undefined;
  }
}
