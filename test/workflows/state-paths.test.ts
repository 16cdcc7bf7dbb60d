/**
 * The typed paths into the state document: what the compiler refuses (the `@ts-expect-error` lines: `npx tsc`
 * fails if any of them compiles) and the JSONPath each helper gives.
 */
import { describe, expect, it } from 'vitest';
import type { LeaseSettings } from '../../contracts/parts/endpoint.ts';
import { at, pathIn, requestPaths, resultField, type StateDocument } from '../../workflows/state-paths.ts';

interface Request {
  endpointName: string;
  lease: LeaseSettings;
  model?: { package?: { format: string } };
}

describe('typed state paths', () => {
  it("give the JSONPath of a field of the state document, the request's included", () => {
    const path = pathIn<StateDocument<Request>>();

    expect(at('error')).toBe('$.error');
    expect(at('endpointStatus.settled')).toBe('$.endpointStatus.settled');
    expect(path('request.model.package.format')).toBe('$.request.model.package.format');
    expect(requestPaths<Request>()('lease.waitMinutes')).toBe('$.request.lease.waitMinutes');
    expect(resultField('PackageModel', 'packaged')).toBe('$.Payload.packaged');
  });

  it('refuse at compile time a field the document does not have, a misspelled one or one no state writes', () => {
    const path = pathIn<StateDocument<Request>>();

    // @ts-expect-error EndpointStatusSummary has `settled`, not `setled`.
    expect(at('endpointStatus.setled')).toBe('$.endpointStatus.setled');
    // @ts-expect-error No state writes `endpointStatuses` (workflows/state-paths.ts, StateFields).
    expect(at('endpointStatuses')).toBe('$.endpointStatuses');
    // @ts-expect-error The request has `model`, not `modle`.
    expect(path('request.modle.package')).toBe('$.request.modle.package');
    // @ts-expect-error PackageModel writes `packaged` (contracts/steps.ts), not `package`.
    expect(resultField('PackageModel', 'package')).toBe('$.Payload.package');
  });
});
