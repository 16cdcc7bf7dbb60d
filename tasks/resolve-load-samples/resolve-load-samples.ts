/**
 * ResolveLoadSamples: the payload samples the workers will send. Inline samples as they are; each s3Prefix
 * expanded into its objects (the entry's weight shared between them). Refuses, naming the field, a prefix with no
 * object and a sample over InvokeEndpoint's limit, which only now is known: 4 MB for a serverless endpoint, 6 MB for
 * a real-time one (PrepareLoadTest has read which it is).
 */
import { INVOKE_ENDPOINT_BODY_BYTES, LOAD_TEST } from '../../contracts/limits.ts';
import type { LoadTestSample } from '../../contracts/parts/load-test.ts';
import { splitS3Uri } from '../_shared/batch-run.ts';
import {
  type LoadTestInvocations,
  type ResolvedSample,
  refuseLoadTestInput as refuse,
  type TestedVariant,
} from '../_shared/load-test-state.ts';
import type { StoredObject } from '../_shared/object-listing.ts';
import { stateSlice } from '../_shared/state-slice.ts';

/** The slice of the state document ResolveLoadSamples reads. */
export interface ResolveLoadSamplesState {
  loadTest: { request: { samples: LoadTestSample[] }; variants: TestedVariant[] };
}
export const ResolveLoadSamplesState = stateSlice<ResolveLoadSamplesState>({
  loadTest: { request: { samples: 'array' }, variants: 'array' },
});

/** What ResolveLoadSamples needs from the outside. */
interface ResolveLoadSamplesDeps {
  listObjects(bucket: string, prefix: string): Promise<StoredObject[]>;
}

/** The samples the workers send: inline ones as they are, and every object under each s3Prefix. */
async function resolveSamples(
  request: ResolveLoadSamplesState['loadTest']['request'],
  bodyLimit: number,
  limitName: string,
  deps: ResolveLoadSamplesDeps,
) {
  const resolved: ResolvedSample[] = [];
  for (const [index, sample] of request.samples.entries()) {
    if (sample.body !== undefined) {
      const bytes = new TextEncoder().encode(sample.body).length;
      if (bytes > bodyLimit) {
        refuse(`samples[${index}].body`, `expected at most ${bodyLimit} bytes (${limitName}); it has ${bytes}`);
      }
      resolved.push({ sample: index, weight: sample.weight, bytes });
      continue;
    }
    const location = splitS3Uri(sample.s3Prefix ?? '');
    const objects = (await deps.listObjects(location.bucket, location.key)).filter((o) => !o.key.endsWith('/'));
    if (objects.length === 0) refuse(`samples[${index}].s3Prefix`, `no object under ${sample.s3Prefix}`);
    for (const object of objects) {
      if (object.size > bodyLimit) {
        refuse(
          `samples[${index}].s3Prefix`,
          `s3://${location.bucket}/${object.key} has ${object.size} bytes; expected at most ${bodyLimit} (${limitName})`,
        );
      }
      resolved.push({
        sample: index,
        weight: sample.weight / objects.length,
        bytes: object.size,
        bucket: location.bucket,
        key: object.key,
      });
    }
  }
  if (resolved.length > LOAD_TEST.maxSamples) {
    refuse('samples', `expected at most ${LOAD_TEST.maxSamples} samples in all; the prefixes hold ${resolved.length}`);
  }
  const bytes = resolved.reduce((sum, s) => sum + s.bytes, 0);
  if (bytes > LOAD_TEST.maxSampleBytesTotal) {
    refuse('samples', `expected at most ${LOAD_TEST.maxSampleBytesTotal} bytes of samples in all; they hold ${bytes}`);
  }
  return resolved;
}

/** The ResolveLoadSamples step: `$.loadTest.invocations`, the samples the workers draw from. */
export async function resolveLoadSamples<S extends ResolveLoadSamplesState>(
  state: S,
  deps: ResolveLoadSamplesDeps,
): Promise<S & { loadTest: S['loadTest'] & { invocations: LoadTestInvocations } }> {
  const serverless = state.loadTest.variants.some((v) => v.serverless);
  const [bodyLimit, limitName] = serverless
    ? [INVOKE_ENDPOINT_BODY_BYTES.serverless, "InvokeEndpoint's 4 MB limit for a serverless endpoint"]
    : [INVOKE_ENDPOINT_BODY_BYTES.realTime, "InvokeEndpoint's 6 MB limit"];
  const samples = await resolveSamples(state.loadTest.request, bodyLimit, limitName, deps);
  return { ...state, loadTest: { ...state.loadTest, invocations: { samples } } };
}
