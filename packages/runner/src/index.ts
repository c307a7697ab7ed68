export {
  appliedBatches,
  GOLD_TABLES,
  goldRowCounts,
  readSilverBatches,
  warehouseSilverCounts,
} from './batch-counts.js';
export {
  type CatchUpOptions,
  type CatchUpResult,
  waitForCatchUp,
  waitForGroups,
} from './catch-up.js';
export { type ChildResult, type RunChildOptions, runChild, TS_NODE } from './child-process.js';
export { mergeCostSummary } from './cloud-costs.js';
export { CLOUD_RUN_ERROR_CODES, RunnerError } from './cloud-errors.js';
export {
  type CloudPipelineOptions,
  type CloudPipelineReport,
  runCloudPipeline,
} from './cloud-pipeline.js';
export { type CloudBigquery, lakeBucket, parseCloudBigquery, prepareCloud } from './cloud-run.js';
export {
  LIVE_STAGES,
  type MeasuredRow,
  quantile,
  type StageFigures,
  stageBreakdown,
} from './live-breakdown.js';
export { type LiveRunOptions, type LiveRunReport, runLive } from './live-run.js';
export {
  countBetween,
  type OffsetSpan,
  offsetsHeld,
  type PartitionOffsets,
  topicEndOffsets,
} from './offsets.js';
export {
  type PipelineRunOptions,
  type PipelineRunReport,
  runPipeline,
  type StageReport,
} from './pipeline-run.js';
export { formatRunReport } from './run-report.js';
export { bigqueryWarehouse, duckdbWarehouse, type RunWarehouse } from './run-warehouse.js';
export {
  auditRowCount,
  auditRowCountInRange,
  bronzeManifestTotals,
  readBronzeManifests,
  STREAMING_GROUPS,
  type StageGroup,
  stageLags,
  topicMessageCount,
} from './streaming-counts.js';
export {
  backgroundService,
  logTail,
  type ServiceFailure,
  type Supervision,
  type SupervisionOptions,
  superviseServices,
  type WatchedService,
} from './supervision.js';
