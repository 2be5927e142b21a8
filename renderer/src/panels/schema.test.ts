import { describe, expect, it } from 'vitest';
import { boundProblem, fieldsOf, parseList, parseScalar } from './schema';

// The JSON Schema zod 4 emits for features.split and train.mlp params (trimmed from catalog()).
const split = {
  type: 'object',
  properties: {
    testFraction: { default: 0.2, type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    seed: { default: 0, type: 'integer', minimum: -9007199254740991, maximum: 9007199254740991 },
    stratifyBy: { type: 'string', minLength: 1 },
    hiddenUnits: { default: [64, 64], type: 'array', items: { type: 'integer', minimum: 1 } },
    activation: { default: 'relu', type: 'string', enum: ['relu', 'tanh'] },
    types: { default: {}, type: 'object', propertyNames: { type: 'string' }, additionalProperties: { type: 'string' } },
    label: { type: 'string' },
  },
  required: ['label'],
};

describe('schema fields', () => {
  it('maps schema properties to form fields with bounds', () => {
    const f = Object.fromEntries(fieldsOf(split).map((x) => [x.name, x]));
    expect(f.testFraction).toMatchObject({ kind: 'number', min: 0, max: 1, exclusiveMin: true, exclusiveMax: true, default: 0.2 });
    expect(f.seed).toMatchObject({ kind: 'integer', min: undefined, max: undefined });
    expect(f.hiddenUnits).toMatchObject({ kind: 'list', item: 'integer' });
    expect(f.activation).toMatchObject({ kind: 'enum', enumValues: ['relu', 'tanh'] });
    expect(f.types).toMatchObject({ kind: 'record', value: 'string' });
    expect(f.label.required).toBe(true);
    expect(boundProblem(f.testFraction, 1)).toBe('must be less than 1');
    expect(boundProblem(f.testFraction, 0.3)).toBeNull();
    expect(boundProblem(f.seed, 1.5)).toBe('must be a whole number');
  });

  it('parses typed text', () => {
    expect(parseScalar('number', ' 0.25 ')).toBe(0.25);
    expect(parseScalar('number', '${params.seed}')).toBe('${params.seed}');
    expect(parseScalar('number', '')).toBeUndefined();
    expect(parseList('integer', '[64, 32]')).toEqual([64, 32]);
    expect(parseList('string', 'a, "b"')).toEqual(['a', 'b']);
  });
});
