import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readJsonLines } from '../fs-util.ts';

/** One message SageMaker published to an SNS topic, as the emulator records it (SNS's Publish members). */
export interface PublishedNotification {
  MessageId: string;
  TopicArn: string;
  /** The JSON document SageMaker sends, as a string (what a subscriber receives as `Message`). */
  Message: string;
  /** ISO 8601, when it was published. */
  Timestamp: string;
}

/**
 * The SNS messages asynchronous endpoints publish (`sns.jsonl` in the state directory), in publishing order.
 * The emulator hosts no SNS: it records what SageMaker would publish, for tests and users to read.
 */
export class NotificationLog {
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  /** Records one message on `topicArn`; resolves once it is on disk. */
  publish(topicArn: string, message: Record<string, unknown>): Promise<void> {
    const entry: PublishedNotification = {
      MessageId: randomUUID(),
      TopicArn: topicArn,
      Message: JSON.stringify(message),
      Timestamp: new Date().toISOString(),
    };
    const written = this.chain.then(async () => {
      await mkdir(dirname(this.file), { recursive: true });
      await appendFile(this.file, `${JSON.stringify(entry)}\n`);
    });
    // One failed append is this message's failure only: the next ones still go after it.
    this.chain = written.catch(() => undefined);
    return written;
  }

  /** Every message recorded so far, oldest first. */
  async readAll(): Promise<PublishedNotification[]> {
    await this.chain;
    return readJsonLines<PublishedNotification>(this.file);
  }
}
