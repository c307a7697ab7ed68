import { devstackGlobalSetup } from '@lakestream/devstack';

export default () => devstackGlobalSetup(['kafka', 'gcs', 'firestore']);
