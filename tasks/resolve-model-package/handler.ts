import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { stepHandler } from '../_shared/handler.ts';
import { modelRegistryGateway } from '../_shared/model-registry.ts';
import { sageMakerGateway } from '../_shared/sagemaker.ts';
import { ResolveModelPackageState, resolveModelPackage } from './resolve-model-package.ts';

const client = new SageMakerClient({});
const sagemaker = sageMakerGateway(client);
const registry = modelRegistryGateway(client);

/** Lambda entry of the ResolveModelPackage step. */
export const handler = stepHandler(ResolveModelPackageState, 'ResolveModelPackage', (state) =>
  resolveModelPackage(state, { sagemaker, registry }),
);
