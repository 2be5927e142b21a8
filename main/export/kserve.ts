/**
 * `pipewright export-model --to kserve` (contract section 6): one `serving.kserve.io/v1beta1`
 * InferenceService whose predictor is one container running the runner image (Dockerfile) as
 * `pipewright serve --model-file /mnt/models/<file> --host 0.0.0.0 --port 8080 --no-auth`: the
 * Open Inference Protocol (v2) on port 8080, with KServe's request-based autoscaling between
 * `minReplicas` and `maxReplicas`. The model file (`pipewright models export`) is downloaded into
 * /mnt/models by KServe's storage initializer from `storageUri`, or baked into the image there.
 * Every key written is one the InferenceService schema declares (test/integration/export-kserve.test.ts).
 */
import { toYamlText } from './yaml-text';

export const MODEL_DIR = '/mnt/models';
export const KSERVE_PORT = 8080;

export interface KserveOptions {
  /** registered model name and version (the manifest pins one version) */
  name: string;
  version: number;
  /** the runner image (see the Dockerfile) */
  image: string;
  /** where the model file lies (s3://, gs://, https://, pvc://…); absent: baked into the image at /mnt/models */
  storageUri?: string;
  minReplicas?: number;
  maxReplicas?: number;
  /** the InferenceService's name (default: the model's) */
  serviceName?: string;
  namespace?: string;
}

/** The model file's name under /mnt/models. */
export const modelFileName = (name: string, version: number): string => `${name}-v${version}.model.json`;

/** A DNS-1035 label for the InferenceService (lower-case, starts with a letter, ≤ 45 so KServe's suffixes fit). */
function serviceName(s: string): string {
  const clean = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '');
  return (clean || 'model').slice(0, 45).replace(/-+$/, '');
}

export function kserveInferenceService(o: KserveOptions): Record<string, unknown> {
  const file = modelFileName(o.name, o.version);
  const min = o.minReplicas ?? 1;
  const max = Math.max(o.maxReplicas ?? 3, min);
  const probe = (path: string, initialDelaySeconds: number) => ({ httpGet: { path, port: KSERVE_PORT }, initialDelaySeconds, periodSeconds: 10 });
  const container: Record<string, unknown> = {
    name: 'kserve-container',
    image: o.image,
    args: ['serve', '--model-file', `${MODEL_DIR}/${file}`, '--host', '0.0.0.0', '--port', String(KSERVE_PORT), '--no-auth'],
    ports: [{ containerPort: KSERVE_PORT, protocol: 'TCP' }],
    readinessProbe: probe('/v2/health/ready', 2),
    livenessProbe: probe('/v2/health/live', 10),
    resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false },
  };
  // KServe's storage initializer fills /mnt/models from STORAGE_URI for a custom container
  if (o.storageUri) container.env = [{ name: 'STORAGE_URI', value: o.storageUri }];
  return {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: {
      name: serviceName(o.serviceName ?? o.name),
      ...(o.namespace ? { namespace: o.namespace } : {}),
      labels: { 'app.kubernetes.io/name': serviceName(o.name), 'app.kubernetes.io/managed-by': 'pipewright', 'pipewright.dev/model-version': String(o.version) },
    },
    spec: {
      predictor: {
        minReplicas: min,
        maxReplicas: max,
        scaleMetric: 'concurrency',
        scaleTarget: 8,
        containers: [container],
      },
    },
  };
}

export function kserveYaml(o: KserveOptions): string {
  const file = modelFileName(o.name, o.version);
  const header = [
    `InferenceService for ${o.name}:${o.version}, written by pipewright export-model --to kserve.`,
    `The container speaks the Open Inference Protocol (v2) on port ${KSERVE_PORT} and reads ${MODEL_DIR}/${file}:`,
    `  pipewright models export ${o.name}:${o.version} --project P -o ${file}`,
    o.storageUri
      ? `then upload ${file} under ${o.storageUri} (KServe's storage initializer copies it into ${MODEL_DIR}).`
      : `then bake it into the image at ${MODEL_DIR}/${file} (FROM ${o.image}, COPY ${file} ${MODEL_DIR}/), or give --storage-uri.`,
  ].join('\n');
  return toYamlText(kserveInferenceService(o), header);
}
