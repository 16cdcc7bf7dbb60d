/**
 * The vCPUs, memory and accelerator devices (GPUs) of SageMaker hosting instance types: the capacity inference
 * component copies are placed in. Source: the "Instance details" table of https://aws.amazon.com/sagemaker/pricing/
 * (vCPU, Memory in GiB, GPUs), which matches the EC2 instance type of the same name (https://aws.amazon.com/ec2/
 * instance-types/). Memory is given in MiB (GiB x 1024), as ComputeResourceRequirements asks for it. Only the
 * instance types listed here can host inference components in this project: the first state refuses others, and
 * the local emulator is started with this table (EmulatorOptions.instanceTypes). SageMaker keeps part of each
 * instance for its own agents and does not document how much; this table gives the whole instance.
 */

/** What one instance offers. */
export interface InstanceResources {
  readonly vCpus: number;
  readonly memoryMiB: number;
  readonly accelerators: number;
}

const GIB = 1024;
const cpu = (vCpus: number, memoryGiB: number): InstanceResources => ({
  vCpus,
  memoryMiB: memoryGiB * GIB,
  accelerators: 0,
});
const gpu = (vCpus: number, memoryGiB: number, accelerators: number): InstanceResources => ({
  vCpus,
  memoryMiB: memoryGiB * GIB,
  accelerators,
});

/** Hosting instance types with their resources (a subset of HOSTING_INSTANCE_TYPES). */
export const HOSTING_INSTANCE_RESOURCES: Readonly<Record<string, InstanceResources>> = {
  'ml.t2.medium': cpu(2, 4),
  'ml.t2.large': cpu(2, 8),
  'ml.t2.xlarge': cpu(4, 16),
  'ml.t2.2xlarge': cpu(8, 32),
  'ml.m5.large': cpu(2, 8),
  'ml.m5.xlarge': cpu(4, 16),
  'ml.m5.2xlarge': cpu(8, 32),
  'ml.m5.4xlarge': cpu(16, 64),
  'ml.m5.12xlarge': cpu(48, 192),
  'ml.m5.24xlarge': cpu(96, 384),
  'ml.c5.large': cpu(2, 4),
  'ml.c5.xlarge': cpu(4, 8),
  'ml.c5.2xlarge': cpu(8, 16),
  'ml.c5.4xlarge': cpu(16, 32),
  'ml.c5.9xlarge': cpu(36, 72),
  'ml.c5.18xlarge': cpu(72, 144),
  'ml.r5.large': cpu(2, 16),
  'ml.r5.xlarge': cpu(4, 32),
  'ml.r5.2xlarge': cpu(8, 64),
  'ml.r5.4xlarge': cpu(16, 128),
  'ml.g4dn.xlarge': gpu(4, 16, 1),
  'ml.g4dn.2xlarge': gpu(8, 32, 1),
  'ml.g4dn.4xlarge': gpu(16, 64, 1),
  'ml.g4dn.12xlarge': gpu(48, 192, 4),
  'ml.g5.xlarge': gpu(4, 16, 1),
  'ml.g5.2xlarge': gpu(8, 32, 1),
  'ml.g5.4xlarge': gpu(16, 64, 1),
  'ml.g5.12xlarge': gpu(48, 192, 4),
  'ml.g5.48xlarge': gpu(192, 768, 8),
  'ml.p3.2xlarge': gpu(8, 61, 1),
  'ml.p3.8xlarge': gpu(32, 244, 4),
  'ml.p3.16xlarge': gpu(64, 488, 8),
};
