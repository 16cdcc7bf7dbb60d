import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONFIG_CONTEXT_KEY, deploymentConfigPath, loadDeploymentConfig } from './deployment-config/load.ts';
import { stackPropsOf } from './deployment-config/stack-props.ts';
import { SageMakerWorkflowsStack, type SageMakerWorkflowsStackProps } from './stacks/sagemaker-workflows-stack.ts';

/** The stack's construct id, also its default CloudFormation name. */
const STACK_ID = 'SageMakerWorkflows';

/** Options for building the CDK app. */
interface BuildAppOptions {
  /** Skip bundling the Lambda code (the local runner runs the handlers from source). @default false */
  readonly skipBundling?: boolean;
  /** Where the cloud assembly goes. @default - cdk.out, or a temporary folder chosen by the CDK */
  readonly outdir?: string;
  /** Run the cdk-nag AwsSolutions checks during synthesis. @default true */
  readonly nag?: boolean;
  /**
   * Run CDK's built-in CloudFormation template validation during synthesis (its findings are warnings in
   * validation-report.json). Its rule engine takes about 10 CPU-seconds to start, once per process. @default true
   */
  readonly cloudFormationValidation?: boolean;
  /**
   * The deployment config file to read (schedules, model package groups, prefix, buckets), or false to read none.
   * Props in `stackProps` override the file's. @default - CDK context smwfConfig, else SMWF_CONFIG, else
   * smwf.config.json at the project root when it exists (infra/deployment-config/load.ts)
   */
  readonly deploymentConfig?: string | false;
  readonly stackProps?: SageMakerWorkflowsStackProps;
}

/** Builds the CDK app: one stack with every workflow. `infra/app.ts`, the tests and the local runner share it. */
export function buildApp(options: BuildAppOptions = {}): { app: App; stack: SageMakerWorkflowsStack } {
  const app = new App({
    ...(options.outdir !== undefined ? { outdir: options.outdir } : {}),
    ...(options.cloudFormationValidation === false ? { builtinCloudFormationValidation: false } : {}),
    context: options.skipBundling ? { 'aws:cdk:bundling-stacks': [] } : {},
  });
  const configPath =
    options.deploymentConfig === false
      ? undefined
      : (options.deploymentConfig ?? deploymentConfigPath(app.node.tryGetContext(CONFIG_CONTEXT_KEY)));
  const stack = new SageMakerWorkflowsStack(app, STACK_ID, {
    description: 'sagemaker-workflows: Step Functions workflows that deploy SageMaker models and roll back safely',
    ...(configPath !== undefined ? stackPropsOf(loadDeploymentConfig(configPath)) : {}),
    ...options.stackProps,
  });
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
