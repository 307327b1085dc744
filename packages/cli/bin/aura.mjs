#!/usr/bin/env node
// Runs the TypeScript sources through tsx, resolved from this package, wherever aura is called from.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
