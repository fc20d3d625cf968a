/**
 * Prints `docs/http-api.md` (rendered from the route table):
 * `node --import tsx src/api/render-docs.ts > docs/http-api.md`.
 */
import { renderHttpApiMarkdown } from './openapi.ts';

process.stdout.write(renderHttpApiMarkdown());
