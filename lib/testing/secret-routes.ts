/**
 * The local KMS's secrets routes (`/api/v4/secrets`, upstream's v4 secret-router) and Octopus Deploy
 * secret-sync routes (`/api/v1/secret-syncs/octopus-deploy`, upstream's secret-sync-endpoints), with
 * their envelopes: `{ secret }` / `{ secrets }` and `{ secretSync }` / `{ secretSyncs }`.
 */
import { parse, type Route } from "./routes";
import {
  CreateSecretBodySchema,
  CreateSyncBodySchema,
  DeleteSecretBodySchema,
  DeleteSyncQuerySchema,
  GetSecretQuerySchema,
  ListSecretsQuerySchema,
  SecretNameParamsSchema,
  SecretNameSchema,
  SyncIdParamsSchema,
  SyncNameParamsSchema,
  SyncProjectQuerySchema,
  UpdateSecretBodySchema,
  UpdateSyncBodySchema,
} from "./secret-schemas";
import type { SecretSyncService } from "./secret-syncs";
import type { SecretService } from "./secrets";
import { z } from "zod";

/** Base path of the Octopus Deploy secret-sync routes. */
export const SYNCS = "/api/v1/secret-syncs/octopus-deploy";
/** Base path of the v4 secrets routes. */
export const SECRETS = "/api/v4/secrets";

const CreateSecretParamsSchema = z.object({ secretName: SecretNameSchema });

/** The secrets and secret-sync routes. */
export function secretRoutes(secrets: SecretService, syncs: SecretSyncService): readonly Route[] {
  return [
    {
      method: "GET",
      path: SECRETS,
      rateClass: "read",
      access: "identity",
      handle: (request, actor) => ({ secrets: secrets.list(actor, parse(ListSecretsQuerySchema, request.query)), imports: [] }),
    },
    {
      method: "GET",
      path: `${SECRETS}/:secretName`,
      rateClass: "read",
      access: "identity",
      handle: (request, actor) => {
        const { secretName } = parse(SecretNameParamsSchema, request.params);
        return { secret: secrets.get(actor, secretName, parse(GetSecretQuerySchema, request.query)) };
      },
    },
    {
      method: "POST",
      path: `${SECRETS}/:secretName`,
      rateClass: "write",
      access: "identity",
      handle: (request, actor) => {
        const { secretName } = parse(CreateSecretParamsSchema, request.params);
        return { secret: secrets.create(actor, secretName, parse(CreateSecretBodySchema, request.body)) };
      },
    },
    {
      method: "PATCH",
      path: `${SECRETS}/:secretName`,
      rateClass: "write",
      access: "identity",
      handle: (request, actor) => {
        const { secretName } = parse(SecretNameParamsSchema, request.params);
        return { secret: secrets.update(actor, secretName, parse(UpdateSecretBodySchema, request.body)) };
      },
    },
    {
      method: "DELETE",
      path: `${SECRETS}/:secretName`,
      rateClass: "write",
      access: "identity",
      handle: (request, actor) => {
        const { secretName } = parse(SecretNameParamsSchema, request.params);
        return { secret: secrets.delete(actor, secretName, parse(DeleteSecretBodySchema, request.body)) };
      },
    },
    {
      method: "GET",
      path: SYNCS,
      rateClass: "read",
      access: "identity",
      handle: (request, actor) => ({ secretSyncs: syncs.list(actor, parse(SyncProjectQuerySchema, request.query).projectId) }),
    },
    {
      method: "GET",
      path: `${SYNCS}/sync-name/:syncName`,
      rateClass: "read",
      access: "identity",
      handle: (request, actor) => {
        const { syncName } = parse(SyncNameParamsSchema, request.params);
        const { projectId } = parse(SyncProjectQuerySchema, request.query);
        return { secretSync: syncs.getByName(actor, syncName, projectId) };
      },
    },
    {
      method: "GET",
      path: `${SYNCS}/:syncId`,
      rateClass: "read",
      access: "identity",
      handle: (request, actor) => ({ secretSync: syncs.get(actor, parse(SyncIdParamsSchema, request.params).syncId) }),
    },
    {
      method: "POST",
      path: SYNCS,
      rateClass: "write",
      access: "identity",
      handle: (request, actor) => ({ secretSync: syncs.create(actor, parse(CreateSyncBodySchema, request.body)) }),
    },
    {
      method: "PATCH",
      path: `${SYNCS}/:syncId`,
      rateClass: "write",
      access: "identity",
      handle: (request, actor) => {
        const { syncId } = parse(SyncIdParamsSchema, request.params);
        return { secretSync: syncs.update(actor, syncId, parse(UpdateSyncBodySchema, request.body)) };
      },
    },
    {
      method: "DELETE",
      path: `${SYNCS}/:syncId`,
      rateClass: "write",
      access: "identity",
      handle: (request, actor) => {
        const { syncId } = parse(SyncIdParamsSchema, request.params);
        const { removeSecrets } = parse(DeleteSyncQuerySchema, request.query);
        return { secretSync: syncs.delete(actor, syncId, removeSecrets) };
      },
    },
    {
      method: "POST",
      path: `${SYNCS}/:syncId/sync-secrets`,
      rateClass: "write",
      access: "identity",
      handle: (request, actor) => ({ secretSync: syncs.triggerSync(actor, parse(SyncIdParamsSchema, request.params).syncId) }),
    },
    {
      method: "POST",
      path: `${SYNCS}/:syncId/remove-secrets`,
      rateClass: "write",
      access: "identity",
      handle: (request, actor) => ({ secretSync: syncs.triggerRemove(actor, parse(SyncIdParamsSchema, request.params).syncId) }),
    },
  ];
}
