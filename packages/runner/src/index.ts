export {
  auditRowCount,
  bronzeManifestTotals,
  STREAMING_GROUPS,
  type StageGroup,
  stageLags,
  topicMessageCount,
  waitForCatchUp,
} from './streaming-counts.js';
