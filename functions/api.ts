/**
 * FC HTTP trigger `api`: the xcflow HTTP API (`src/api`), its OpenAPI document at
 * `/v1/openapi.json`, and whatever the local stack mounts beside it (the web console).
 * FC 2.0 HTTP handler `(req, resp, context)`.
 */
import { createFcHttpHandler } from '../src/api/serve.ts';
import type { InvocationContext } from '../src/engine/runtime.ts';
import { apiRuntimeFor } from '../src/runtime.ts';

/** The FC 2.0 HTTP handler. */
export const handler = createFcHttpHandler(async (context: InvocationContext) => apiRuntimeFor(context).app());
