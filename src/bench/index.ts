export { runBench, formatReport, targets, memcpyCropsPerS, profileOf, PEER, type BenchOptions, type BenchReport, type Target } from './run.js';
export { ensureData, runMode, measureFloors, median, type BenchData, type Floors, type ModeResult } from './measure.js';
export { FULL, QUICK, MODES, modeSpec, spleenChain, pipelineOptions, type BenchProfile, type ModeSpec, type ModeName } from './spec.js';
export { runBridgeMode, bridgeTargets, writeBridgeConfig, type BridgeResult } from './bridge.js';
