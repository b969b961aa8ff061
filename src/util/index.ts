export * from './errors.js';
export { writeFileAtomic } from './atomic-write.js';
