import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The deploy package's own folder (k8s/, prometheus/, grafana/, tools/). */
export const DEPLOY_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The monorepo root. */
export const ROOT_DIR = resolve(DEPLOY_DIR, '..');

/** The images and local-stack configs folder. */
export const DOCKER_DIR = join(ROOT_DIR, 'docker');

/** The root docker-compose.yml. */
export const COMPOSE_FILE = join(ROOT_DIR, 'docker-compose.yml');

/** The Kubernetes manifests: a kustomize base and its overlays. */
export const K8S_DIR = join(DEPLOY_DIR, 'k8s');

/** The kustomize overlays that are deployed. */
export const OVERLAYS = ['dev', 'prod'] as const;

/** One of `OVERLAYS`. */
export type Overlay = (typeof OVERLAYS)[number];
