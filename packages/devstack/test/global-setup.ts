import { devstackGlobalSetup } from '../src/index.js';

export default () => devstackGlobalSetup(['kafka', 'postgres', 'gcs', 'bigquery']);
