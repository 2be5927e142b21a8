export * from './project-store';
export { migrations, LATEST_VERSION } from './migrations';
