import { Duration } from 'aws-cdk-lib';
import { PackageModelInput } from '../../contracts/parts/packaging.ts';
import { folderOf, type WorkflowDefinition } from '../workflow.ts';
import { PackageModelStates, packageModelDefinition } from './definition.ts';

/** PackageModel: model files under an S3 prefix to a checked, framework-shaped model.tar.gz (or uncompressed copy). */
export const packageModel = {
  name: 'PackageModel',
  description: "check a framework's model layout and stream the files to model.tar.gz (or copy them uncompressed)",
  input: PackageModelInput,
  example: {
    source: 's3://my-models/churn/2026-11-25.1/',
    framework: 'custom',
    output: 's3://my-model-artifacts/packages/',
    compressionLevel: 6,
  },
  // One packaging step runs at most 15 minutes; a changed source packages once more.
  timeout: Duration.hours(2),
  folder: folderOf(import.meta.url),
  states: PackageModelStates,
  build: packageModelDefinition,
} as const satisfies WorkflowDefinition<'PackageModel', typeof PackageModelInput>;
