/** KmsClient's `signal` (the provider's StopProvider): the attempt in flight and the retry wait end at once; no attempt starts after. */
import { KmsClient } from "../../lib/kms/client";
import { KmsUnavailableError } from "../../lib/kms/errors";
import { OutboundRequest, Transport } from "../../lib/kms/outbound";

const auth = { kind: "token", token: "static-token-SECRET-0001", source: "KMS_TOKEN" } as const;

test("a stop during the retry wait ends the request without another attempt", async () => {
  const seen: OutboundRequest[] = [];
  const transport: Transport = async (req) => {
    seen.push(req);
    return { status: 503, headers: { "retry-after": "60" }, body: "{}" };
  };
  const abort = new AbortController();
  const client = new KmsClient({ kmsUrl: "https://kms.example.com", auth, transport, signal: abort.signal });
  const pending = client.list();
  await new Promise((r) => setTimeout(r, 50));
  abort.abort();
  const err = await pending.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(KmsUnavailableError);
  expect((err as Error).message).toMatch(/stopped/);
  expect(seen).toHaveLength(1);
  expect(seen[0].signal).toBe(abort.signal);
});

test("the attempt in flight gets the signal, and an abort is not retried", async () => {
  let attempts = 0;
  const transport: Transport = (req) =>
    new Promise((_resolve, reject) => {
      attempts++;
      req.signal?.addEventListener("abort", () => reject(Object.assign(new Error("aborted"), { name: "AbortError" })));
    });
  const abort = new AbortController();
  const client = new KmsClient({ kmsUrl: "https://kms.example.com", auth, transport, signal: abort.signal });
  const pending = client.getByName("x");
  setTimeout(() => abort.abort(), 20);
  await expect(pending).rejects.toThrow(/stopped/);
  expect(attempts).toBe(1);
});
