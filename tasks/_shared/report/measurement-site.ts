/**
 * Where a report's figures were measured, so that it can say so: on AWS, or on this machine against the local
 * emulator, where an "instance" is a process on the machine's own cores and the figures are the machine's.
 */
import { cpus, totalmem } from 'node:os';

/** Where the figures come from. */
export type MeasurementSite =
  | { kind: 'aws'; region: string }
  | { kind: 'local'; endpointUrl: string; cpuCount: number; cpuModel: string; memoryGiB: number };

/**
 * The site the SDK's configuration points at: AWS_ENDPOINT_URL (or SageMaker Runtime's own) names a local emulator,
 * the same variables the load generators and the SDK clients read; otherwise AWS in AWS_REGION.
 */
export function measurementSite(env: NodeJS.ProcessEnv = process.env): MeasurementSite {
  const endpointUrl = env.AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME ?? env.AWS_ENDPOINT_URL;
  if (endpointUrl !== undefined && endpointUrl !== '') {
    const cores = cpus();
    return {
      kind: 'local',
      endpointUrl,
      cpuCount: cores.length,
      cpuModel: cores[0]?.model.trim() ?? 'unknown processor',
      memoryGiB: Math.round(totalmem() / 1024 ** 3),
    };
  }
  return { kind: 'aws', region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'unknown region' };
}

/** One sentence on where the figures were measured and how far they carry. */
export function describeSite(site: MeasurementSite): string {
  if (site.kind === 'aws') {
    return `Measured on AWS in ${site.region}: load from Lambda functions in the region, SageMaker's figures from CloudWatch.`;
  }
  return (
    `Measured on this machine (${site.cpuCount} × ${site.cpuModel}, ${site.memoryGiB} GiB) against the local ` +
    `SageMaker emulator at ${site.endpointUrl}. Instances here are processes sharing this machine's cores, so these ` +
    `figures are this machine's, not an AWS instance type's: compare the rows with each other, not with AWS.`
  );
}
