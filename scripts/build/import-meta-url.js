// Injected into every function bundle (scripts/build.mjs): `import.meta.url` of the ES modules,
// which a CommonJS bundle lacks, becomes the bundle file's own URL. Modules that compute paths at
// load time (the emulator's topology directory) then load; files they would read are not shipped.
import { pathToFileURL } from 'node:url';

export const import_meta_url = pathToFileURL(__filename).href;
