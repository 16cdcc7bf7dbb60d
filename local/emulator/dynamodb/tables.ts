/**
 * DynamoDB, the part the workflows use (`X-Amz-Target: DynamoDB_20120810.<Operation>`, awsJson 1.0): tables with a
 * single string partition key, created on demand (CreateTable, PAY_PER_REQUEST), and GetItem / PutItem on them, with
 * PutItem's ConditionExpression in the forms `#a = :v`, `attribute_exists(#a)` and `attribute_not_exists(#a)`. Items
 * are kept as given (AttributeValue maps), in a JSON file per table under the state directory, so a restart loses
 * nothing. Anything else (other operations, members, key schemas, expressions) is refused as not emulated, never
 * ignored. Limits and messages are DynamoDB's (Developer Guide, "Quotas": 400 KB items; API reference, errors).
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
}

/** What the tables need: where they are kept (none: in memory), and whether unknown tables exist. */
export interface DynamoDbTablesOptions {
  /** The state directory; tables go under `dynamodb/`. @default - in memory */
  readonly stateDir?: string;
  /**
   * Answer a table never created as if it existed, keyed by the attribute the first request's Key names (the in-process
   * doubles, whose stack's tables nobody creates). @default false
   */
  readonly implicitTables?: boolean;
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
    return table;
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
