export { type DbSyncConfig, dbSyncConfig, loadDbSyncConfig } from './config.js';
export { DB_SYNC_ERROR_CODES, DbSyncError, type DbSyncErrorCode } from './errors.js';
export { type SyncService, startSyncService, tableTopics } from './sync-service.js';
