export {
  appliedBatches,
  GOLD_TABLES,
  goldRowCounts,
  readSilverBatches,
  warehouseSilverCounts,
} from './batch-counts.js';
export { type ChildResult, type RunChildOptions, runChild, TS_NODE } from './child-process.js';
export { type LiveRunOptions, type LiveRunReport, quantile, runLive } from './live-run.js';
export { isAtOrAfter, type PartitionOffsets, topicEndOffsets } from './offsets.js';
export {
  formatRunReport,
  type PipelineRunOptions,
  type PipelineRunReport,
  runPipeline,
  type StageReport,
} from './pipeline-run.js';
export {
  auditRowCount,
  auditRowCountSince,
  type BronzeManifestEntry,
  bronzeManifestTotals,
  readBronzeManifests,
  STREAMING_GROUPS,
  type StageGroup,
  stageLags,
  topicMessageCount,
  waitForCatchUp,
} from './streaming-counts.js';
