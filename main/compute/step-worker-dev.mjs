// Starts the step helper from TypeScript sources (vitest, tsx): tsx's hooks are registered
// inside the worker thread, since Node 20 does not apply --import hooks given to a worker.
import 'tsx/cjs';
import { register } from 'tsx/esm/api';

register();
await import(new URL('./step-worker.ts', import.meta.url).href);
