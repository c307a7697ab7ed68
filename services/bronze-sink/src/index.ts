export {
  type BronzeSink,
  type BronzeSinkOptions,
  type BronzeSinkSettings,
  createBronzeSink,
} from './bronze-sink.js';
export { type BronzeSinkConfig, bronzeSinkConfig, instanceIdOf, storageUrlOf } from './config.js';
export { BronzeSinkError, type BronzeSinkErrorCode } from './errors.js';
export { buildManifest } from './manifest.js';
export { ObjectBuffer, type RotationLimits, type SealedObject } from './object-buffer.js';
export { transactionalIdOf } from './partition-ownership.js';
export {
  type BronzeRecord,
  createLineEncoder,
  type EncodedLine,
  lineText,
  recordValueBytes,
  type ValueEncoding,
} from './record-line.js';
