import { describe, expect, it } from 'vitest';
import { InvalidEventPatternError, parseEventPattern } from '../../../local/triggers/event-pattern.ts';

const event = {
  version: '0',
  id: 'e-1',
  'detail-type': 'SageMaker Model Package State Change',
  source: 'aws.sagemaker',
  account: '123456789012',
  time: '2026-12-01T10:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3'],
  detail: {
    ModelPackageGroupName: 'churn',
    ModelPackageVersion: 3,
    ModelApprovalStatus: 'Approved',
    Score: 0.92,
    Empty: '',
    Nothing: null,
    Tags: ['blue', 'green'],
    NoTags: [],
    Nested: { Deep: { Value: 'x' } },
    SourceIp: '10.0.0.7',
    SourceIpV6: '2001:db8::1',
    Path: 'models/churn/model.tar.gz',
    Flag: true,
    CountText: '300',
    Count: 300,
  },
};

const matches = (pattern: unknown) => parseEventPattern(pattern).matches(event);
const refused = (pattern: unknown) => () => parseEventPattern(pattern);

describe('event patterns: exact values', () => {
  it('matches a string, a number, null and a boolean exactly, and any element of an array', () => {
    expect(matches({ source: ['aws.sagemaker'] })).toBe(true);
    expect(matches({ source: ['aws.s3', 'aws.sagemaker'] })).toBe(true);
    expect(matches({ source: ['aws.s3'] })).toBe(false);
    expect(matches({ detail: { ModelPackageVersion: [3] } })).toBe(true);
    expect(matches({ detail: { ModelPackageVersion: [3.0] } })).toBe(true);
    expect(matches({ detail: { Nothing: [null] } })).toBe(true);
    expect(matches({ detail: { Flag: [true] } })).toBe(true);
    expect(matches({ detail: { Tags: ['green'] } })).toBe(true);
    expect(matches({ resources: ['arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3'] })).toBe(true);
  });

  it('tells null from the empty string, and a number from its text', () => {
    expect(matches({ detail: { Empty: [null] } })).toBe(false);
    expect(matches({ detail: { Empty: [''] } })).toBe(true);
    expect(matches({ detail: { Nothing: [''] } })).toBe(false);
    expect(matches({ detail: { CountText: [300] } })).toBe(false);
    expect(matches({ detail: { Count: ['300'] } })).toBe(false);
  });

  it('is case sensitive in field names and values, and needs every field to match (AND)', () => {
    expect(matches({ Source: ['aws.sagemaker'] })).toBe(false);
    expect(matches({ source: ['AWS.SageMaker'] })).toBe(false);
    expect(matches({ source: ['aws.sagemaker'], detail: { ModelApprovalStatus: ['Approved'] } })).toBe(true);
    expect(matches({ source: ['aws.sagemaker'], detail: { ModelApprovalStatus: ['Rejected'] } })).toBe(false);
  });

  it('matches nested objects, and a missing field or an empty array matches no value', () => {
    expect(matches({ detail: { Nested: { Deep: { Value: ['x'] } } } })).toBe(true);
    expect(matches({ detail: { Nested: { Deep: { Value: ['y'] } } } })).toBe(false);
    expect(matches({ detail: { Missing: ['x'] } })).toBe(false);
    expect(matches({ detail: { NoTags: ['x'] } })).toBe(false);
    // A field holding an object is not a value.
    expect(matches({ detail: { Nested: ['x'] } })).toBe(false);
  });
});

describe('event patterns: content filters', () => {
  it('prefix and suffix, with and without equals-ignore-case, on strings only', () => {
    expect(matches({ detail: { Path: [{ prefix: 'models/' }] } })).toBe(true);
    expect(matches({ detail: { Path: [{ prefix: 'MODELS/' }] } })).toBe(false);
    expect(matches({ detail: { Path: [{ prefix: { 'equals-ignore-case': 'MODELS/' } }] } })).toBe(true);
    expect(matches({ detail: { Path: [{ suffix: '.tar.gz' }] } })).toBe(true);
    expect(matches({ detail: { Path: [{ suffix: { 'equals-ignore-case': '.TAR.GZ' } }] } })).toBe(true);
    expect(matches({ detail: { Count: [{ prefix: '3' }] } })).toBe(false);
  });

  it('equals-ignore-case', () => {
    expect(matches({ detail: { ModelApprovalStatus: [{ 'equals-ignore-case': 'APPROVED' }] } })).toBe(true);
    expect(matches({ detail: { ModelApprovalStatus: [{ 'equals-ignore-case': 'rejected' }] } })).toBe(false);
  });

  it('anything-but a value, a list, a prefix, a suffix, ignoring case and a wildcard', () => {
    expect(matches({ detail: { ModelApprovalStatus: [{ 'anything-but': 'Rejected' }] } })).toBe(true);
    expect(matches({ detail: { ModelApprovalStatus: [{ 'anything-but': ['Approved', 'Rejected'] }] } })).toBe(false);
    expect(matches({ detail: { ModelPackageVersion: [{ 'anything-but': [1, 2] }] } })).toBe(true);
    expect(matches({ detail: { ModelPackageVersion: [{ 'anything-but': 3 }] } })).toBe(false);
    expect(matches({ detail: { Path: [{ 'anything-but': { prefix: 'models/' } }] } })).toBe(false);
    expect(matches({ detail: { Path: [{ 'anything-but': { suffix: '.zip' } }] } })).toBe(true);
    expect(
      matches({ detail: { ModelApprovalStatus: [{ 'anything-but': { 'equals-ignore-case': ['approved'] } }] } }),
    ).toBe(false);
    expect(matches({ detail: { Path: [{ 'anything-but': { wildcard: 'models/*/model.tar.gz' } }] } })).toBe(false);
    // An array matches when any element is not excluded; a missing field never matches.
    expect(matches({ detail: { Tags: [{ 'anything-but': 'blue' }] } })).toBe(true);
    expect(matches({ detail: { Missing: [{ 'anything-but': 'x' }] } })).toBe(false);
  });

  it('numeric ranges match JSON numbers only', () => {
    expect(matches({ detail: { Score: [{ numeric: ['>', 0.9] }] } })).toBe(true);
    expect(matches({ detail: { Score: [{ numeric: ['>', 0, '<=', 0.9] }] } })).toBe(false);
    expect(matches({ detail: { Count: [{ numeric: ['=', 3.0e2] }] } })).toBe(true);
    expect(matches({ detail: { Count: [{ numeric: ['>=', 300, '<', 301] }] } })).toBe(true);
    expect(matches({ detail: { CountText: [{ numeric: ['=', 300] }] } })).toBe(false);
  });

  it('exists: true for present values (null included), false for missing fields, empty arrays and objects', () => {
    expect(matches({ detail: { Nothing: [{ exists: true }] } })).toBe(true);
    expect(matches({ detail: { Missing: [{ exists: false }] } })).toBe(true);
    expect(matches({ detail: { Missing: [{ exists: true }] } })).toBe(false);
    expect(matches({ detail: { NoTags: [{ exists: false }] } })).toBe(true);
    expect(matches({ detail: { Nested: [{ exists: false }] } })).toBe(true);
    expect(matches({ detail: { Path: [{ exists: false }] } })).toBe(false);
  });

  it('cidr blocks, IPv4 and IPv6', () => {
    expect(matches({ detail: { SourceIp: [{ cidr: '10.0.0.0/24' }] } })).toBe(true);
    expect(matches({ detail: { SourceIp: [{ cidr: '10.0.1.0/24' }] } })).toBe(false);
    expect(matches({ detail: { SourceIpV6: [{ cidr: '2001:db8::/32' }] } })).toBe(true);
    expect(matches({ detail: { SourceIp: [{ cidr: '2001:db8::/32' }] } })).toBe(false);
  });

  it('wildcards, with an escaped star', () => {
    expect(matches({ detail: { Path: [{ wildcard: 'models/*.tar.gz' }] } })).toBe(true);
    expect(matches({ detail: { Path: [{ wildcard: 'models/*.zip' }] } })).toBe(false);
    expect(parseEventPattern({ a: [{ wildcard: 'a\\*b' }] }).matches({ a: 'a*b' })).toBe(true);
    expect(parseEventPattern({ a: [{ wildcard: 'a\\*b' }] }).matches({ a: 'axxb' })).toBe(false);
  });

  it('$or matches when any branch does', () => {
    const pattern = {
      source: ['aws.sagemaker'],
      $or: [
        { detail: { ModelApprovalStatus: ['Rejected'] } },
        { detail: { ModelPackageVersion: [{ numeric: ['>', 2] }] } },
      ],
    };
    expect(matches(pattern)).toBe(true);
    expect(
      matches({ $or: [{ detail: { ModelApprovalStatus: ['Rejected'] } }, { detail: { ModelPackageVersion: [1] } }] }),
    ).toBe(false);
  });
});

describe('event patterns: validation', () => {
  it('refuses what PutRule refuses, naming the field and the problem', () => {
    expect(refused('{not json')).toThrow(InvalidEventPatternError);
    expect(refused({ source: 'aws.sagemaker' })).toThrow(/source: a field's value must be an array/);
    expect(refused({ source: [] })).toThrow(/source: empty arrays are not allowed/);
    expect(refused({ detail: { Score: [{ numeric: ['>', 'a'] }] } })).toThrow(/detail.Score: expected a number/);
    expect(refused({ detail: { Score: [{ numeric: ['>', 5, '<', 1] }] } })).toThrow(/lower bound must be below/);
    expect(refused({ detail: { Score: [{ numeric: ['!=', 5] }] } })).toThrow(/numeric operator/);
    expect(refused({ detail: { Score: [{ numeric: ['>', 6e9] }] } })).toThrow(/-5.0e9 and 5.0e9/);
    expect(refused({ a: [{ 'anything-but': [] }] })).toThrow(/may not be empty/);
    expect(refused({ a: [{ 'anything-but': ['x', 1] }] })).toThrow(/only strings or only numbers/);
    expect(refused({ a: [{ exists: 'yes' }] })).toThrow(/exists takes true or false/);
    expect(refused({ a: [{ cidr: '10.0.0.0/33' }] })).toThrow(/cidr expects/);
    expect(refused({ a: [{ wildcard: 'a**b' }] })).toThrow(/consecutive/);
    expect(refused({ a: [{ regex: 'x' }] })).toThrow(/unsupported operator "regex"/);
    expect(refused({ $or: [{ a: ['x'] }] })).toThrow(/\$or takes a list of at least two/);
    expect(refused({})).toThrow(/at least one field/);
  });
});
