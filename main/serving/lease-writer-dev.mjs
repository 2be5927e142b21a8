// Starts the lease writer thread from TypeScript sources (vitest, tsx): tsx's hooks
// are registered inside the worker thread, since Node 20 does not apply --import hooks to a worker.
import 'tsx/cjs';
import { register } from 'tsx/esm/api';

register();
await import(new URL('./lease-writer.ts', import.meta.url).href);
