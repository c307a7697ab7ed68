import { parseAllDocuments } from 'yaml';
import { goTool, run } from './tools.js';

/** A Kubernetes object of a kustomize build (the fields the tests read). */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field in the tests
  spec?: any;
}

/** A container and the pod it runs in, found in a Deployment, Job or CronJob. */
export interface Workload {
  kind: 'Deployment' | 'Job' | 'CronJob';
  name: string;
  object: K8sObject;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  podSpec: any;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  podMetadata: any;
}

/** Runs `kustomize build` on a folder and parses the objects it prints. */
export async function kustomizeBuild(dir: string): Promise<{ yaml: string; objects: K8sObject[] }> {
  const binary = await goTool('kustomize');
  const result = await run(binary, ['build', dir]);
  if (result.code !== 0) throw new Error(`kustomize build ${dir}: ${result.stderr.trim()}`);
  const objects = parseAllDocuments(result.stdout).map((doc) => doc.toJS() as K8sObject);
  return { yaml: result.stdout, objects };
}

/** The Deployments, Jobs and CronJobs of a build with their pod templates. */
export function workloads(objects: readonly K8sObject[]): Workload[] {
  return objects.flatMap((object): Workload[] => {
    if (object.kind === 'Deployment' || object.kind === 'Job') {
      return [
        {
          kind: object.kind,
          name: object.metadata.name,
          object,
          podSpec: object.spec.template.spec,
          podMetadata: object.spec.template.metadata ?? {},
        },
      ];
    }
    if (object.kind === 'CronJob') {
      const template = object.spec.jobTemplate.spec.template;
      return [
        {
          kind: 'CronJob',
          name: object.metadata.name,
          object,
          podSpec: template.spec,
          podMetadata: template.metadata ?? {},
        },
      ];
    }
    return [];
  });
}

/** The environment of a container as the kubelet would build it. */
export interface ResolvedEnv {
  env: Record<string, string>;
  /** Variables taken from Secrets or ConfigMaps the build does not contain (created out of band). */
  external: string[];
}

function decode(object: K8sObject, key: string): string | undefined {
  if (object.stringData?.[key] !== undefined) return object.stringData[key];
  const data = object.data?.[key];
  if (data === undefined) return undefined;
  return object.kind === 'Secret' ? Buffer.from(data, 'base64').toString('utf8') : data;
}

/**
 * Resolves a container's `envFrom` and `env` against the ConfigMaps and Secrets of the build
 * (later entries win, `env` over `envFrom`, as in Kubernetes). A `fieldRef` becomes a
 * representative value (`pod-name-0` for metadata.name).
 */
export function resolveEnv(
  // biome-ignore lint/suspicious/noExplicitAny: a container spec
  container: any,
  objects: readonly K8sObject[],
): ResolvedEnv {
  const find = (kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name);
  const env: Record<string, string> = {};
  const external: string[] = [];
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
    const source = find(kind, ref.name);
    if (!source) {
      external.push(`${kind}/${ref.name}`);
      continue;
    }
    for (const key of Object.keys({ ...source.data, ...source.stringData })) {
      env[`${from.prefix ?? ''}${key}`] = decode(source, key) ?? '';
    }
  }
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) {
      env[variable.name] = String(variable.value);
      continue;
    }
    const from = variable.valueFrom ?? {};
    const keyRef = from.configMapKeyRef ?? from.secretKeyRef;
    if (keyRef) {
      const source = find(from.configMapKeyRef ? 'ConfigMap' : 'Secret', keyRef.name);
      const value = source ? decode(source, keyRef.key) : undefined;
      if (value === undefined) external.push(variable.name);
      else env[variable.name] = value;
      continue;
    }
    if (from.fieldRef) {
      env[variable.name] = from.fieldRef.fieldPath === 'metadata.name' ? 'pod-name-0' : 'field';
      continue;
    }
    env[variable.name] = '';
  }
  return { env, external };
}

/**
 * Runs kubeconform (strict: unknown fields and duplicate keys are errors) over manifest files
 * against local schemas. One run over every file compiles each kind's schema once.
 */
export async function kubeconform(
  files: readonly string[],
  schemaDir: string,
): Promise<{ ok: boolean; output: string }> {
  const binary = await goTool('kubeconform');
  const result = await run(binary, [
    '-strict',
    '-summary',
    '-n',
    '2',
    '-schema-location',
    `${schemaDir}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
    ...files,
  ]);
  return { ok: result.code === 0, output: `${result.stdout}${result.stderr}`.trim() };
}

/**
 * The files a container sees from the ConfigMaps mounted into it (a `configMap` volume: every key,
 * or its `items`, under the mount path; with `subPath`, that one file at the mount path), by path.
 */
export function mountedFiles(
  // biome-ignore lint/suspicious/noExplicitAny: a container spec
  container: any,
  // biome-ignore lint/suspicious/noExplicitAny: a pod spec
  podSpec: any,
  objects: readonly K8sObject[],
): Record<string, string> {
  const files: Record<string, string> = {};
  for (const mount of container.volumeMounts ?? []) {
    const volume = (podSpec.volumes ?? []).find((v: { name: string }) => v.name === mount.name);
    const ref = volume?.configMap;
    if (!ref) continue;
    const source = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === ref.name);
    if (!source) continue;
    const items: Array<{ key: string; path: string }> =
      ref.items ?? Object.keys(source.data ?? {}).map((key) => ({ key, path: key }));
    for (const { key, path } of items) {
      const value = decode(source, key);
      if (value === undefined) continue;
      if (mount.subPath === undefined) files[`${mount.mountPath}/${path}`] = value;
      else if (mount.subPath === path) files[mount.mountPath] = value;
    }
  }
  return files;
}
