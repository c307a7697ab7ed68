export { type ChaosOptions, runChaos } from './chaos-run.js';
export { CHAOS_ERROR_CODES, ChaosError, type ChaosErrorCode } from './errors.js';
export {
  FAULT_KINDS,
  type FaultKind,
  type FaultPlan,
  type PlannedFault,
  planFaults,
} from './fault-plan.js';
export { type FlakyStoreProxy, startFlakyStoreProxy } from './flaky-store-proxy.js';
export { type ChaosReport, formatChaosReport, reportPasses } from './report.js';
export { type HeldRecord, isWhole, type LayerTally, tally } from './tally.js';
