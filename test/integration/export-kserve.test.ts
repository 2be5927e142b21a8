/**
 * `export-model --to kserve`: the InferenceService validates against KServe's schema
 * (../shared/schemas/kserve-inferenceservice.schema.json), and, since that schema accepts unknown
 * keys, every key written is checked to be a property it declares (metadata against Kubernetes'
 * ObjectMeta fields, which the schema leaves open).
 */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { kserveInferenceService, kserveYaml } from '../../main/export/kserve';

type Schema = Record<string, unknown>;
const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'shared', 'schemas', 'kserve-inferenceservice.schema.json'), 'utf8')) as Schema;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(schema);

const OBJECT_META = new Set(['name', 'namespace', 'labels', 'annotations']);

/** Keys of `value` that its schema does not declare (the schema has no $refs). */
function unknownKeys(value: unknown, s: Schema, path: string, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => unknownKeys(v, (s.items as Schema) ?? {}, `${path}[${i}]`, out));
    return out;
  }
  if (!value || typeof value !== 'object') return out;
  const props = s.properties as Record<string, Schema> | undefined;
  const extra = typeof s.additionalProperties === 'object' ? (s.additionalProperties as Schema) : undefined;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (path === 'isvc.metadata') {
      if (!OBJECT_META.has(k)) out.push(`${path}.${k}`);
      continue;
    }
    if (props && Object.hasOwn(props, k)) unknownKeys(v, props[k], `${path}.${k}`, out);
    else if (extra) unknownKeys(v, extra, `${path}.${k}`, out);
    else out.push(`${path}.${k}`);
  }
  return out;
}

describe('export-model --to kserve', () => {
  it('writes an InferenceService that validates, with every key one the schema declares', () => {
    for (const storageUri of [undefined, 's3://models/cancer/']) {
      const text = kserveYaml({ name: 'cancer', version: 3, image: 'ghcr.io/acme/pipewright-runner:1.2', storageUri, minReplicas: 2, maxReplicas: 6, namespace: 'ml' });
      const docs = YAML.parseAllDocuments(text);
      expect(docs).toHaveLength(1);
      const isvc = docs[0].toJS() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      expect(validate(isvc), JSON.stringify(validate.errors)).toBe(true);
      expect(unknownKeys(isvc, schema, 'isvc')).toEqual([]);
      expect(isvc.apiVersion).toBe('serving.kserve.io/v1beta1');
      expect(isvc.kind).toBe('InferenceService');
      expect(isvc.metadata).toMatchObject({ name: 'cancer', namespace: 'ml' });
      const p = isvc.spec.predictor;
      expect([p.minReplicas, p.maxReplicas]).toEqual([2, 6]);
      expect(p.containers).toHaveLength(1);
      const c = p.containers[0];
      expect(c.name).toBe('kserve-container'); // the name KServe's storage initializer mounts /mnt/models into
      expect(c.image).toBe('ghcr.io/acme/pipewright-runner:1.2');
      // the Dockerfile's ENTRYPOINT is `pipewright`: args are the serve command
      expect(c.args).toEqual(['serve', '--model-file', '/mnt/models/cancer-v3.model.json', '--host', '0.0.0.0', '--port', '8080', '--no-auth']);
      expect(c.ports).toEqual([{ containerPort: 8080, protocol: 'TCP' }]);
      expect(c.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 8080 });
      expect(c.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 8080 });
      if (storageUri) expect(c.env).toEqual([{ name: 'STORAGE_URI', value: storageUri }]);
      else expect(c.env).toBeUndefined();
      // a string Kubernetes' YAML 1.1 reader could misread is quoted
      expect(text).toMatch(/pipewright\.dev\/model-version: "3"/);
    }
  });

  it('the key check itself catches a key the schema does not declare', () => {
    const isvc = kserveInferenceService({ name: 'cancer', version: 1, image: 'img' }) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    isvc.spec.predictor.containers[0].protocolVersion = 'v2';
    isvc.spec.predictor.replicas = 2;
    isvc.metadata.uid = 'x';
    expect(validate(isvc)).toBe(true); // the schema alone lets them through
    expect(unknownKeys(isvc, schema, 'isvc').sort()).toEqual(['isvc.metadata.uid', 'isvc.spec.predictor.containers[0].protocolVersion', 'isvc.spec.predictor.replicas']);
  });

  it('turns a model name into a DNS label for the service', () => {
    const isvc = kserveInferenceService({ name: '9-cancer-model', version: 1, image: 'img' }) as { metadata: { name: string } };
    expect(isvc.metadata.name).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])?$/);
  });
});
