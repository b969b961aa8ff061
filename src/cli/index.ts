export { runCli, buildProgram, type CliIO } from './program.js';
export { inspectJson, type InspectJson } from './commands/inspect.js';
