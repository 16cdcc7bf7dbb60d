/**
 * DynamoDB, the part the workflows use (`X-Amz-Target: DynamoDB_20120810.<Operation>`, awsJson 1.0): tables with a
 * single string partition key, created on demand (CreateTable, PAY_PER_REQUEST), and GetItem / PutItem on them, with
 * PutItem's ConditionExpression in the forms `#a = :v`, `attribute_exists(#a)` and `attribute_not_exists(#a)`; time to
 * live (UpdateTimeToLive, DescribeTimeToLive), whose expired items are deleted (see expiredKeys). Items are kept as
 * given (AttributeValue maps), in a JSON file per table under the state directory, so a restart loses nothing.
 * Anything else (other operations, members, key schemas, expressions) is refused as not emulated, never ignored.
 * Limits and messages are DynamoDB's (Developer Guide, "Quotas": 400 KB items; API reference, errors).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ServiceError } from '../errors.ts';

/** The awsJson target prefix of DynamoDB's operations. */
export const DYNAMODB_TARGET_PREFIX = 'DynamoDB_20120810';

/** The most an item may hold: 400 KB (Developer Guide, "Service, account, and table quotas"). */
const MAX_ITEM_BYTES = 400 * 1024;

const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

type AttributeValue = Record<string, unknown>;
type Item = Record<string, AttributeValue>;

interface Table {
  readonly name: string;
  readonly hashKey: string;
  readonly created: number;
  readonly items: Record<string, Item>;
  /** Time to live, once UpdateTimeToLive has named an attribute. @default - disabled */
  timeToLive?: TimeToLive;
}

/** A table's time to live: the attribute that holds each item's expiry, whether it is on, and since when (ms). */
interface TimeToLive {
  readonly attributeName: string;
  readonly enabled: boolean;
  readonly updatedMs: number;
}

/** UpdateTimeToLive may change a table's setting once an hour ("UpdateTimeToLive", API reference). */
const TIME_TO_LIVE_CHANGE_INTERVAL_MS = 3600 * 1000;

/**
 * An item is not expired by its time to live when its expiry is more than five years past (Developer Guide, "Using
 * DynamoDB Time to Live (TTL)": the value must be an expiration of no more than five years in the past).
 */
const TIME_TO_LIVE_OLDEST_SECONDS = 5 * 365.25 * 24 * 3600;

/** What the tables need: where they are kept (none: in memory), and whether unknown tables exist. */
export interface DynamoDbTablesOptions {
  /** The state directory; tables go under `dynamodb/`. @default - in memory */
  readonly stateDir?: string;
  /**
   * Answer a table never created as if it existed, keyed by the attribute the first request's Key names (the in-process
   * doubles, whose stack's tables nobody creates). @default false
   */
  readonly implicitTables?: boolean;
  /** The clock items expire on, in ms since the epoch. @default Date.now */
  readonly now?: () => number;
}

function notEmulated(what: string): ServiceError {
  return new ServiceError('ValidationException', `${what} is not emulated by the local DynamoDB`, 400);
}

function validation(message: string): ServiceError {
  return new ServiceError('ValidationException', message, 400);
}

function checkMembers(operation: string, input: Record<string, unknown>, allowed: readonly string[]): void {
  for (const [member, value] of Object.entries(input)) {
    if (value !== undefined && !allowed.includes(member)) throw notEmulated(`${operation} member ${member}`);
  }
}

function tableNameOf(input: Record<string, unknown>): string {
  const name = input.TableName;
  if (typeof name !== 'string' || !TABLE_NAME.test(name)) {
    throw validation(
      `1 validation error detected: Value '${String(name)}' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+`,
    );
  }
  return name;
}

/** The string value of an AttributeValue `{ S: ... }`, or undefined for another type. */
function stringOf(value: AttributeValue | undefined): string | undefined {
  return value !== undefined && Object.keys(value).length === 1 && typeof value.S === 'string' ? value.S : undefined;
}

/** DynamoDB's tables, in one region each. */
export class DynamoDbTables {
  private readonly tables = new Map<string, Table>();

  constructor(private readonly options: DynamoDbTablesOptions = {}) {}

  /** Answers one operation. */
  call(operation: string, region: string, input: Record<string, unknown>): unknown {
    switch (operation) {
      case 'CreateTable':
        return this.createTable(region, input);
      case 'GetItem':
        return this.getItem(region, input);
      case 'PutItem':
        return this.putItem(region, input);
      case 'UpdateTimeToLive':
        return this.updateTimeToLive(region, input);
      case 'DescribeTimeToLive':
        return this.describeTimeToLive(region, input);
      default:
        throw new ServiceError('UnknownOperationException', `DynamoDB ${operation} is not emulated`, 400);
    }
  }

  private file(region: string, name: string): string | undefined {
    return this.options.stateDir === undefined
      ? undefined
      : join(this.options.stateDir, 'dynamodb', region, `${name}.json`);
  }

  private find(region: string, name: string, keyHint?: string): Table {
    const id = `${region}/${name}`;
    let table = this.tables.get(id);
    if (table === undefined) {
      const file = this.file(region, name);
      if (file !== undefined) {
        try {
          table = JSON.parse(readFileSync(file, 'utf8')) as Table;
        } catch {
          table = undefined;
        }
      }
      if (table === undefined && this.options.implicitTables && keyHint !== undefined) {
        table = { name, hashKey: keyHint, created: Date.now() / 1000, items: {} };
      }
      if (table === undefined) {
        throw new ServiceError('ResourceNotFoundException', 'Requested resource not found', 400);
      }
      this.tables.set(id, table);
    }
    this.deleteExpired(region, table);
    return table;
  }

  /**
   * Time to live: deletes the table's expired items. DynamoDB deletes them in the background, "typically within two
   * days of expiration", and until then reads still return them (API reference, UpdateTimeToLive); the emulator
   * deletes them at the soonest, when the table is next used, so a run never depends on a background sweep's timing.
   */
  private deleteExpired(region: string, table: Table): void {
    const expired = expiredKeys(table, (this.options.now ?? Date.now)() / 1000);
    if (expired.length === 0) return;
    for (const key of expired) delete table.items[key];
    this.save(region, table);
  }

  private save(region: string, table: Table): void {
    const file = this.file(region, table.name);
    if (file === undefined) return;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(table));
    renameSync(`${file}.tmp`, file);
  }

  private createTable(region: string, input: Record<string, unknown>): unknown {
    checkMembers('CreateTable', input, ['TableName', 'AttributeDefinitions', 'KeySchema', 'BillingMode']);
    const name = tableNameOf(input);
    if (input.BillingMode !== 'PAY_PER_REQUEST')
      throw notEmulated(`CreateTable BillingMode ${String(input.BillingMode)}`);
    const keys = input.KeySchema as { AttributeName?: unknown; KeyType?: unknown }[] | undefined;
    const hash = keys?.[0];
    if (
      !Array.isArray(keys) ||
      keys.length !== 1 ||
      hash?.KeyType !== 'HASH' ||
      typeof hash.AttributeName !== 'string'
    ) {
      throw notEmulated('A KeySchema other than one HASH key');
    }
    const definitions = input.AttributeDefinitions as
      | { AttributeName?: unknown; AttributeType?: unknown }[]
      | undefined;
    const definition = definitions?.find((d) => d.AttributeName === hash.AttributeName);
    if (!Array.isArray(definitions) || definitions.length !== 1 || definition?.AttributeType !== 'S') {
      throw notEmulated('A partition key of a type other than S');
    }
    const exists = (() => {
      try {
        this.find(region, name);
        return true;
      } catch {
        return false;
      }
    })();
    if (exists) throw new ServiceError('ResourceInUseException', `Table already exists: ${name}`, 400);
    const table: Table = { name, hashKey: hash.AttributeName, created: Date.now() / 1000, items: {} };
    this.tables.set(`${region}/${name}`, table);
    this.save(region, table);
    return {
      TableDescription: {
        TableName: name,
        TableStatus: 'ACTIVE',
        KeySchema: keys,
        AttributeDefinitions: definitions,
        BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
        CreationDateTime: table.created,
        TableArn: `arn:aws:dynamodb:${region}:123456789012:table/${name}`,
      },
    };
  }

  private updateTimeToLive(region: string, input: Record<string, unknown>): unknown {
    checkMembers('UpdateTimeToLive', input, ['TableName', 'TimeToLiveSpecification']);
    const table = this.find(region, tableNameOf(input));
    const specification = (input.TimeToLiveSpecification ?? {}) as { AttributeName?: unknown; Enabled?: unknown };
    checkMembers('UpdateTimeToLive TimeToLiveSpecification', specification, ['AttributeName', 'Enabled']);
    const { AttributeName: attributeName, Enabled: enabled } = specification;
    if (typeof attributeName !== 'string' || attributeName.length < 1 || attributeName.length > 255) {
      throw validation(
        `1 validation error detected: Value '${String(attributeName)}' at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must have length between 1 and 255`,
      );
    }
    if (typeof enabled !== 'boolean') {
      throw validation(
        `1 validation error detected: Value '${String(enabled)}' at 'timeToLiveSpecification.enabled' failed to satisfy constraint: Member must not be null`,
      );
    }
    const current = table.timeToLive;
    const now = (this.options.now ?? Date.now)();
    if (current?.enabled === enabled) {
      throw validation(`TimeToLive is already ${enabled ? 'enabled' : 'disabled'}`);
    }
    if (current !== undefined && !enabled && current.attributeName !== attributeName) {
      throw validation(
        `TimeToLive is active on a different AttributeName: current AttributeName is ${current.attributeName}`,
      );
    }
    if (current !== undefined && now - current.updatedMs < TIME_TO_LIVE_CHANGE_INTERVAL_MS) {
      throw validation('Time to live has been modified multiple times within a fixed interval');
    }
    table.timeToLive = { attributeName, enabled, updatedMs: now };
    this.save(region, table);
    this.deleteExpired(region, table);
    return { TimeToLiveSpecification: { AttributeName: attributeName, Enabled: enabled } };
  }

  private describeTimeToLive(region: string, input: Record<string, unknown>): unknown {
    checkMembers('DescribeTimeToLive', input, ['TableName']);
    const ttl = this.find(region, tableNameOf(input)).timeToLive;
    // The change takes effect at once here; on AWS the status is ENABLING or DISABLING for up to an hour.
    return {
      TimeToLiveDescription:
        ttl === undefined
          ? { TimeToLiveStatus: 'DISABLED' }
          : { TimeToLiveStatus: ttl.enabled ? 'ENABLED' : 'DISABLED', AttributeName: ttl.attributeName },
    };
  }

  /** The table's key value of `key`, checked against its key schema. */
  private keyOf(table: Table, key: unknown, what: string): string {
    const attributes = (key ?? {}) as Item;
    const value = stringOf(attributes[table.hashKey]);
    if (Object.keys(attributes).length !== 1 || value === undefined) {
      throw validation(`The provided key element does not match the schema (${what})`);
    }
    return value;
  }

  private getItem(region: string, input: Record<string, unknown>): unknown {
    checkMembers('GetItem', input, ['TableName', 'Key', 'ConsistentRead']);
    const table = this.find(region, tableNameOf(input), Object.keys((input.Key ?? {}) as Item)[0]);
    const item = table.items[this.keyOf(table, input.Key, 'Key')];
    return item === undefined ? {} : { Item: structuredClone(item) };
  }

  private putItem(region: string, input: Record<string, unknown>): unknown {
    checkMembers('PutItem', input, [
      'TableName',
      'Item',
      'ConditionExpression',
      'ExpressionAttributeNames',
      'ExpressionAttributeValues',
      'ReturnValues',
    ]);
    if (input.ReturnValues !== undefined && input.ReturnValues !== 'NONE') {
      throw notEmulated(`PutItem ReturnValues ${String(input.ReturnValues)}`);
    }
    const item = (input.Item ?? {}) as Item;
    const hint = Object.keys(item).find((name) => stringOf(item[name]) !== undefined);
    const table = this.find(region, tableNameOf(input), hint);
    const key = stringOf(item[table.hashKey]);
    if (key === undefined) throw validation('One or more parameter values were invalid: Missing the key in the item');
    if (Buffer.byteLength(JSON.stringify(item)) > MAX_ITEM_BYTES) {
      throw validation('Item size has exceeded the maximum allowed size');
    }
    if (input.ConditionExpression !== undefined) {
      const holds = conditionHolds(
        String(input.ConditionExpression),
        table.items[key],
        (input.ExpressionAttributeNames ?? {}) as Record<string, string>,
        (input.ExpressionAttributeValues ?? {}) as Item,
      );
      if (!holds) throw new ServiceError('ConditionalCheckFailedException', 'The conditional request failed', 400);
    }
    table.items[key] = structuredClone(item);
    this.save(region, table);
    return {};
  }
}

/**
 * The keys of the items time to live has expired: those whose time to live attribute is a top-level Number (epoch
 * seconds) before `nowSeconds` and no more than five years before it. An item without the attribute, or with another
 * type, never expires (Developer Guide, "Using DynamoDB Time to Live (TTL)").
 */
function expiredKeys(table: Table, nowSeconds: number): string[] {
  const ttl = table.timeToLive;
  if (ttl?.enabled !== true) return [];
  return Object.entries(table.items).flatMap(([key, item]) => {
    const value = item[ttl.attributeName];
    const keys = value === undefined ? [] : Object.keys(value);
    if (keys.length !== 1 || typeof value?.N !== 'string') return [];
    const expiry = Number(value.N);
    const expired = expiry < nowSeconds && expiry >= nowSeconds - TIME_TO_LIVE_OLDEST_SECONDS;
    return expired ? [key] : [];
  });
}

/** Evaluates the one-clause condition forms the emulator knows against the item as it is (undefined: none). */
function conditionHolds(
  expression: string,
  current: Item | undefined,
  names: Record<string, string>,
  values: Item,
): boolean {
  const nameOf = (token: string): string => {
    const name = token.startsWith('#') ? names[token] : token;
    if (name === undefined) {
      throw validation(`Value provided in ExpressionAttributeNames unused in expressions: ${token} is not defined`);
    }
    return name;
  };
  const trimmed = expression.trim();
  const exists = /^attribute_(not_)?exists\(\s*([#\w]+)\s*\)$/.exec(trimmed);
  if (exists) {
    const present = current !== undefined && current[nameOf(exists[2] as string)] !== undefined;
    return exists[1] === undefined ? present : !present;
  }
  const equals = /^([#\w]+)\s*=\s*(:\w+)$/.exec(trimmed);
  if (equals) {
    const expected = values[equals[2] as string];
    if (expected === undefined) {
      throw validation(`An expression attribute value used in expression is not defined: ${equals[2]}`);
    }
    const actual = current?.[nameOf(equals[1] as string)];
    return actual !== undefined && JSON.stringify(actual) === JSON.stringify(expected);
  }
  throw notEmulated(`The ConditionExpression ${expression}`);
}
