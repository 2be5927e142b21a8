import type { BuildOptions } from 'esbuild';

export declare const NODE_ENTRIES: Readonly<Record<'cli' | 'worker' | 'code-worker' | 'trial-worker' | 'step-worker' | 'log-writer' | 'lease-writer' | 'web' | 'electron/main' | 'electron/preload', string>>;
export declare const NODE_BUNDLE: Readonly<BuildOptions>;
