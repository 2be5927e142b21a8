declare const __PIPEWRIGHT_VERSION__: string | undefined;

/** The app's version: injected at build time, read from package.json when running from source. */
export const APP_VERSION: string = typeof __PIPEWRIGHT_VERSION__ === 'string' ? __PIPEWRIGHT_VERSION__ : '0.1.0';
