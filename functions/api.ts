/**
 * FC HTTP trigger `api`: the xcflow HTTP API (`src/api`), its OpenAPI document at
 * `/v1/openapi.json`, and the web console at `/console` (src/console; the local stack mounts it
 * first, with its emulator, and it is then left as is).
 * FC 2.0 HTTP handler `(req, resp, context)`.
 */
import { createFcHttpHandler } from '../src/api/serve.ts';
import { mountConsole } from '../src/console/serve.ts';
import type { InvocationContext } from '../src/engine/runtime.ts';
import { apiRuntimeFor } from '../src/runtime.ts';

/** The FC 2.0 HTTP handler. */
export const handler = createFcHttpHandler(async (context: InvocationContext) => {
  const app = apiRuntimeFor(context).app();
  mountConsole(app);
  return app;
});
