import { devstackGlobalSetup } from '@lakestream/devstack';

// gcs too: commands.sh brings up the default stack, which then only checks the services given.
export default () => devstackGlobalSetup(['kafka', 'postgres', 'gcs']);
