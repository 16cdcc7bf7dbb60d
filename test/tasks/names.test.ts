import { describe, expect, it } from 'vitest';
import { SAGEMAKER_NAME_PATTERN } from '../../contracts/contract-parts.ts';
import { canonicalJson, isResourceNameOf, resourceName } from '../../tasks/_shared/names.ts';

describe('resourceName', () => {
  it('names a resource <endpoint>-<10 hex digits>', () => {
    const name = resourceName('churn', { image: 'a' });

    expect(name).toMatch(/^churn-[0-9a-f]{10}$/);
    expect(name).toMatch(SAGEMAKER_NAME_PATTERN);
  });

  it('gives the same name to the same spec, whatever the order of its keys', () => {
    const first = resourceName('churn', { image: 'a', env: { A: '1', B: '2' } });
    const second = resourceName('churn', { env: { B: '2', A: '1' }, image: 'a' });

    expect(second).toBe(first);
  });

  it('gives a different name to a different spec', () => {
    expect(resourceName('churn', { image: 'a:1' })).not.toBe(resourceName('churn', { image: 'a:2' }));
  });

  it('gives different names to the same spec deployed to different endpoints', () => {
    expect(resourceName('churn', { image: 'a' }).slice(-10)).not.toBe(resourceName('fraud', { image: 'a' }).slice(-10));
  });

  it('shortens a long endpoint name to fit 63 characters but keeps the whole hash', () => {
    const longName = `${'a'.repeat(55)}-model`;

    const name = resourceName(longName, { image: 'a' });

    expect(name).toHaveLength(63);
    expect(name.startsWith(`${longName.slice(0, 52)}-`)).toBe(true);
    expect(name.slice(53)).toMatch(/^[0-9a-f]{10}$/);
    expect(name).toMatch(SAGEMAKER_NAME_PATTERN);
  });

  it('keeps endpoints whose long names differ only after the shortened part apart', () => {
    const prefix = 'x'.repeat(58);

    expect(resourceName(`${prefix}-blue`, { image: 'a' })).not.toBe(resourceName(`${prefix}-cyan`, { image: 'a' }));
  });
});

describe('canonicalJson', () => {
  it('sorts keys and leaves out undefined members', () => {
    expect(canonicalJson({ b: 1, a: [{ d: undefined, c: 'x' }] })).toBe('{"a":[{"c":"x"}],"b":1}');
  });
});

describe('isResourceNameOf', () => {
  it('recognizes the names it generates for the endpoint', () => {
    expect(isResourceNameOf('churn', resourceName('churn', { v: 1 }))).toBe(true);
    const longName = 'l'.repeat(63);
    expect(isResourceNameOf(longName, resourceName(longName, { v: 1 }))).toBe(true);
  });

  it('rejects names of another endpoint that shares the prefix', () => {
    expect(isResourceNameOf('churn', resourceName('churn-v2', { v: 1 }))).toBe(false);
    expect(isResourceNameOf('churn', 'churn-v2-0123456789')).toBe(false);
  });

  it('rejects names that are not followed by a hash', () => {
    expect(isResourceNameOf('churn', 'churn-productionx')).toBe(false);
    expect(isResourceNameOf('churn', 'churn-ABCDEF0123')).toBe(false);
    expect(isResourceNameOf('churn', 'churn')).toBe(false);
  });
});
