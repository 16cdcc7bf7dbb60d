import {
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListModelsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import type { Context } from 'aws-lambda';
import { logger } from '../../tasks/_shared/logger.ts';
import { type ListedResource, sageMakerGateway } from '../../tasks/_shared/sagemaker.ts';
import { type CleanupSageMaker, cleanUpExecution } from './cleanup.ts';

const client = new SageMakerClient({});

type Page = {
  items: { name?: string | undefined; arn?: string | undefined; createdAt?: Date | undefined }[];
  next?: string | undefined;
};

/** Every page of a listing, as resources. */
async function listAll(page: (token: string | undefined) => Promise<Page>): Promise<ListedResource[]> {
  const listed: ListedResource[] = [];
  let token: string | undefined;
  do {
    const out = await page(token);
    for (const item of out.items) {
      if (item.name && item.arn)
        listed.push({ name: item.name, arn: item.arn, createdAt: item.createdAt ?? new Date(0) });
    }
    token = out.next;
  } while (token);
  return listed;
}

/** The cleanup's SageMaker calls: the steps' gateway, and listings without a name filter. */
export function cleanupSageMaker(sagemaker: SageMakerClient): CleanupSageMaker {
  const paging = (token: string | undefined) => ({ MaxResults: 100, ...(token ? { NextToken: token } : {}) });
  return {
    ...sageMakerGateway(sagemaker),
    listEndpoints: () =>
      listAll(async (token) => {
        const out = await sagemaker.send(new ListEndpointsCommand(paging(token)));
        const items = (out.Endpoints ?? []).map((e) => ({
          name: e.EndpointName,
          arn: e.EndpointArn,
          createdAt: e.CreationTime,
        }));
        return { items, next: out.NextToken };
      }),
    listEndpointConfigs: () =>
      listAll(async (token) => {
        const out = await sagemaker.send(new ListEndpointConfigsCommand(paging(token)));
        const items = (out.EndpointConfigs ?? []).map((c) => ({
          name: c.EndpointConfigName,
          arn: c.EndpointConfigArn,
          createdAt: c.CreationTime,
        }));
        return { items, next: out.NextToken };
      }),
    listModels: () =>
      listAll(async (token) => {
        const out = await sagemaker.send(new ListModelsCommand(paging(token)));
        const items = (out.Models ?? []).map((m) => ({
          name: m.ModelName,
          arn: m.ModelArn,
          createdAt: m.CreationTime,
        }));
        return { items, next: out.NextToken };
      }),
  };
}

/** What the cleanup leaves of its time for its last look (then Lambda's retry goes on). */
const MARGIN_MS = 30_000;

/**
 * Lambda entry of the execution cleanup: the target of the rule on the stack's state machines' status changes
 * (ABORTED, TIMED_OUT). The event is EventBridge's, untransformed.
 */
export const handler = async (event: { detail?: unknown }, context?: Context) => {
  logger.resetKeys();
  if (context) logger.addContext(context);
  const remaining = context?.getRemainingTimeInMillis() ?? 5 * 60_000;
  const report = await cleanUpExecution(event.detail, {
    sagemaker: cleanupSageMaker(client),
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    deadline: Date.now() + Math.max(0, remaining - MARGIN_MS),
  });
  logger.info('Execution cleanup', { ...report });
  return report;
};
