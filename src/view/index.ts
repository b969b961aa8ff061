export { startViewServer, VIEW_DEFAULTS, type ViewServer, type ViewServerOptions } from './server.js';
export { ViewSession, type ViewSessionOptions } from './session.js';
export { encodeStep, displayValues, defaultWindow, type StepBody } from './step-binary.js';
export { cropBoxesPerStep, boxesOf } from './crop-boxes.js';
export type * from './client/api-types.js';
