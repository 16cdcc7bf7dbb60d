/**
 * What a BatchTransform run is, derived from its input alone: the deterministic job name for the scheduled
 * time, the S3 locations with their date placeholders filled in, and where each input's `.out` lands.
 */
import { parseS3Uri, type S3Location } from '../../contracts/s3-uri.ts';
import { specHash } from './names.ts';

const MAX_NAME_LENGTH = 63;
/** `-yyyyMMdd-HHmmss`: the scheduled time in the job name. */
const STAMP_LENGTH = 16;

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * `<schedule>-<yyyyMMdd-HHmmss>` (UTC), at most 63 characters: a re-delivered schedule names the same job.
 * A schedule name too long to fit is shortened and keeps a hash of the full name, so two long names differ.
 */
export function batchJobName(scheduleName: string, scheduledTime: Date): string {
  const t = scheduledTime;
  const stamp = `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}-${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}`;
  return `${batchJobOwner(scheduleName)}-${stamp}`;
}

/** The part of a schedule's job names before the time: what to list the schedule's jobs by (`NameContains`). */
export function batchJobOwner(scheduleName: string): string {
  const room = MAX_NAME_LENGTH - STAMP_LENGTH;
  return scheduleName.length <= room
    ? scheduleName
    : `${scheduleName.slice(0, room - 7).replace(/-+$/, '')}-${specHash(scheduleName).slice(0, 6)}`;
}

/** Splits `s3://bucket/key`. */
export function splitS3Uri(uri: string): S3Location {
  const location = parseS3Uri(uri);
  if (location === undefined || location.bucket === '') throw new Error(`Not an S3 URI: ${uri}`);
  return location;
}

/**
 * The key of an input object's output, as SageMaker writes it: the input key below the input prefix's last
 * `/`, plus `.out`, under the output prefix.
 */
export function outputKeyOf(inputPrefix: string, outputPrefix: string, inputKey: string): string {
  const base = inputPrefix.slice(0, inputPrefix.lastIndexOf('/') + 1);
  const out = outputPrefix === '' || outputPrefix.endsWith('/') ? outputPrefix : `${outputPrefix}/`;
  return `${out}${inputKey.slice(base.length)}.out`;
}
