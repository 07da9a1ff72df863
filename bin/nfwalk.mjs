#!/usr/bin/env node
// The `nfwalk` command (package.json `bin`). Plain JavaScript, so that an older Node.js reads it
// and says which version it needs instead of failing on the TypeScript entry it then loads.
import { requireNode } from '../scripts/require-node.mjs';

requireNode({ typescript: true });
await import('./nfwalk.ts');
