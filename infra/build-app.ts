import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SageMakerWorkflowsStack, type SageMakerWorkflowsStackProps } from './stacks/sagemaker-workflows-stack.ts';

/** The stack's construct id, also its default CloudFormation name. */
export const STACK_ID = 'SageMakerWorkflows';

/** Options for building the CDK app. */
export interface BuildAppOptions {
  /** Skip bundling the Lambda code (the local runner runs the handlers from source). @default false */
  readonly skipBundling?: boolean;
  /** Where the cloud assembly goes. @default - cdk.out, or a temporary folder chosen by the CDK */
  readonly outdir?: string;
  /** Run the cdk-nag AwsSolutions checks during synthesis. @default true */
  readonly nag?: boolean;
  readonly stackProps?: SageMakerWorkflowsStackProps;
}

/** Builds the CDK app: one stack with every workflow. `infra/app.ts`, the tests and the local runner share it. */
export function buildApp(options: BuildAppOptions = {}): { app: App; stack: SageMakerWorkflowsStack } {
  const app = new App({
    ...(options.outdir !== undefined ? { outdir: options.outdir } : {}),
    context: options.skipBundling ? { 'aws:cdk:bundling-stacks': [] } : {},
  });
  const stack = new SageMakerWorkflowsStack(app, STACK_ID, {
    description: 'sagemaker-workflows: Step Functions workflows that deploy SageMaker models and roll back safely',
    ...options.stackProps,
  });
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
