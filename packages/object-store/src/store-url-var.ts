import { envVar, envVarTypes } from '@lakestream/config';
import { parseStoreUrl } from './open-store.js';

/**
 * A config variable holding a store URL (`gs://bucket/prefix`, `file:///path` or a path),
 * checked by `parseStoreUrl` itself so the error names the problem. Use it in a service's config:
 * `field('X_STORAGE_URL', storeUrlVar.optional(), …)`.
 */
export const storeUrlVar = envVar
  .string()
  .superRefine((url, ctx) => {
    try {
      parseStoreUrl(url);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/ '.*?':/, ':') });
    }
  })
  .register(envVarTypes, { type: 'store URL (gs://bucket/prefix, file:///path or a path)' });
