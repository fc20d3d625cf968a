/**
 * Effects of `migrate-vbr-to-cen` (seed 5.2): the shared migration effects bound to the VBR procedure.
 * See `workflows/migration/effects.ts` for what each does.
 */
import type { CloudClients } from '../../src/cloud/index.ts';
import type { Effect } from '../../src/engine/types.ts';
import { createMigrationEffects } from '../migration/effects.ts';

/** Effects by the name `meta.step.effect` uses. */
export const effects: Record<string, Effect<CloudClients>> = createMigrationEffects('vbr');
