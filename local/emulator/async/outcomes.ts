/** What became of one asynchronous request, and the SNS message SageMaker publishes about it. */
import { NOTIFICATION_RESPONSE_LIMIT } from './async-config.ts';
import type { AcceptedRequest } from './requests.ts';

type Input = Record<string, unknown>;

/** The model's answer, a failure (with the model's answer, if it gave one), or a stop of the emulator midway. */
export type Outcome =
  | { kind: 'output'; body: Buffer; contentType: string; writeAs?: string }
  | { kind: 'failure'; reason: string; body?: Buffer; contentType?: string; writeAs?: string }
  | { kind: 'interrupted' };

/** An outcome that is written and notified (an interrupted request runs again on the next start). */
export type FinishedOutcome = Exclude<Outcome, { kind: 'interrupted' }>;

/** The SNS message of an outcome (DG async-inference-check-predictions; the failure shape is the emulator's). */
export function resultNotification(request: AcceptedRequest, outcome: FinishedOutcome, now: number): Input {
  const succeeded = outcome.kind === 'output';
  const message: Input = {
    awsRegion: request.region,
    eventTime: new Date(now).toISOString(),
    receivedTime: new Date(request.acceptedAt).toISOString(),
    invocationStatus: succeeded ? 'Completed' : 'Failed',
    requestParameters: {
      contentType: request.contentType ?? 'application/octet-stream',
      endpointName: request.endpointName,
      inputLocation: request.inputLocation,
    },
    inferenceId: request.inferenceId,
    eventVersion: '1.0',
    eventSource: 'aws:sagemaker',
    eventName: 'InferenceResult',
  };
  if (succeeded) {
    message.responseParameters = { contentType: outcome.contentType, outputLocation: request.outputLocation };
  } else {
    message.failureReason = outcome.reason;
    message.failureLocation = request.failureLocation;
  }
  const include = request.notifications.includeResponseIn.includes(
    succeeded ? 'SUCCESS_NOTIFICATION_TOPIC' : 'ERROR_NOTIFICATION_TOPIC',
  );
  const response = outcome.body;
  if (include && response !== undefined && response.length <= NOTIFICATION_RESPONSE_LIMIT) {
    const text = response.toString('utf8');
    message.responseBody = Buffer.from(text).equals(response)
      ? { content: text, encoding: 'UTF-8' }
      : { content: response.toString('base64'), encoding: 'BASE64' };
  }
  return message;
}
