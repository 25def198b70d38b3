/**
 * A fake Octopus Deploy instance: just enough of its REST API for the KMS's credential check
 * (`GET /api/users/me`). The API key is read the ways Octopus accepts it: the `X-Octopus-ApiKey`
 * header (preferred) or the `apikey` query parameter (octopus.com/docs/octopus-rest-api).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { closeServer, listen, LOOPBACK, sendJson } from "./http";

/** A running fake Octopus. */
export interface FakeOctopus {
  /** Base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** Stops it. */
  close(): Promise<void>;
}

/** The service account every valid key belongs to. */
const SERVICE_ACCOUNT = { Id: "Users-1", Username: "kms-local", DisplayName: "Local KMS service account", IsService: true };

/**
 * Starts the fake Octopus on `preferredPort` when given and free (so instance URLs stored before a
 * restart keep working), else on a random port.
 */
export async function startFakeOctopus(isValidKey: (key: string) => boolean, preferredPort?: number): Promise<FakeOctopus> {
  const server = createServer((req, res) => answer(req, res, isValidKey));
  let port: number;
  try {
    port = await listen(server, preferredPort ?? 0);
  } catch (error) {
    if (preferredPort === undefined || (error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    port = await listen(server, 0);
  }
  return { url: `http://${LOOPBACK}:${port}`, port, close: () => closeServer(server) };
}

function answer(req: IncomingMessage, res: ServerResponse, isValidKey: (key: string) => boolean): void {
  const url = new URL(req.url ?? "/", `http://${LOOPBACK}`);
  if (req.method !== "GET" || url.pathname !== "/api/users/me") {
    sendJson(res, 404, { ErrorMessage: "The resource you requested was not found." });
    return;
  }
  const header = req.headers["x-octopus-apikey"];
  const key = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get("apikey");
  if (key && isValidKey(key)) {
    sendJson(res, 200, SERVICE_ACCOUNT);
    return;
  }
  sendJson(res, 401, { ErrorMessage: "You must be logged in to perform this action. Please provide a valid API key or log in again.", Errors: [] });
}
