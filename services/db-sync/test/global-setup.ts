import { devstackGlobalSetup } from '@lakestream/devstack';

export default () => devstackGlobalSetup(['kafka', 'mariadb']);
