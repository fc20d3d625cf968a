#!/usr/bin/env node
// The xcflow CLI entry: runs the TypeScript sources through tsx so no build step is needed locally.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/main.ts');
