import { devstackGlobalSetup } from '@lakestream/devstack';

export default () => devstackGlobalSetup(['kafka', 'postgres']);
