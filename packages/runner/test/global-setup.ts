import { devstackGlobalSetup } from '@lakestream/devstack';

// gcs too: commands.sh brings up the default stack, which then only checks the services given.
// MariaDB and Firestore for the database and document sources' end-to-end tests.
export default () => devstackGlobalSetup(['kafka', 'postgres', 'gcs', 'mariadb', 'firestore']);
