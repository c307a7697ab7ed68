import { devstackGlobalSetup } from '@lakestream/devstack';

// gcs too: commands.sh brings up the default stack, which then only checks the services given.
// MariaDB for the database source's end-to-end test.
export default () => devstackGlobalSetup(['kafka', 'postgres', 'gcs', 'mariadb']);
