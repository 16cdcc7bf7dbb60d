import { validationException } from '../errors.ts';
import type { BaseRecord } from './store.ts';

type Input = Record<string, unknown>;

/** How one List operation filters and orders its records. */
interface ListRules<T> {
  /** The member holding the resource's name (NameContains, SortBy Name). */
  nameMember: string;
  /** The member the page is answered in, e.g. `Models`. */
  listMember: string;
  /** SortOrder when the request gives none: documented per operation (Descending for most, Ascending for packages). */
  defaultSortOrder: 'Ascending' | 'Descending';
  /** MaxResults when the request gives none. */
  defaultMaxResults: number;
  /** Orders records that compare equal under SortBy (e.g. versions of one package group under SortBy Name). */
  tieBreak?: (a: T, b: T) => number;
  /** Compares by a SortBy other than Name and CreationTime (e.g. Status). */
  sortByOther?: (sortBy: string, a: T, b: T) => number;
  /**
   * True when CreationTimeAfter keeps a record created at that very time: the API reference says "a creation time
   * greater than or equal to" for models, endpoint configs and endpoints, "created after" for the others.
   */
  createdAtAfterIncluded: boolean;
}

/**
 * NameContains, creation time filters, SortBy (default CreationTime) and SortOrder, then one page. AWS does not
 * document whether NameContains minds case; matching regardless of case is the emulator's choice (it keeps names
 * unique regardless of case, as ARNs lower-case them), and the test doubles follow it.
 */
export function listPage<T extends BaseRecord>(records: T[], input: Input, rules: ListRules<T>): Input {
  const nameOf = (r: T) => String((r as unknown as Input)[rules.nameMember]);
  let items = records;
  if (typeof input.NameContains === 'string') {
    const needle = input.NameContains.toLowerCase();
    items = items.filter((r) => nameOf(r).toLowerCase().includes(needle));
  }
  const after = toSeconds(input.CreationTimeAfter);
  const before = toSeconds(input.CreationTimeBefore);
  if (after !== undefined) {
    items = items.filter((r) => (rules.createdAtAfterIncluded ? r.CreationTime >= after : r.CreationTime > after));
  }
  if (before !== undefined) items = items.filter((r) => r.CreationTime < before);
  const sortBy = String(input.SortBy ?? 'CreationTime');
  const direction = (input.SortOrder ?? rules.defaultSortOrder) === 'Ascending' ? 1 : -1;
  items = [...items].sort((a, b) => {
    let cmp: number;
    if (sortBy === 'Name') cmp = compareStrings(nameOf(a), nameOf(b));
    else if (sortBy === 'CreationTime') cmp = a.CreationTime - b.CreationTime;
    else cmp = rules.sortByOther?.(sortBy, a, b) ?? 0;
    if (cmp === 0 && rules.tieBreak) cmp = rules.tieBreak(a, b);
    return cmp * direction;
  });
  const { offset, maxResults } = pageOf(input, rules.defaultMaxResults);
  const out: Input = { [rules.listMember]: items.slice(offset, offset + maxResults) };
  if (offset + maxResults < items.length) out.NextToken = nextToken(offset + maxResults);
  return out;
}

/**
 * The List operations of models, endpoint configs, endpoints and transform jobs: newest first and ten to a page unless
 * the request says otherwise, SortBy Status by the record's `EndpointStatus`. CreationTimeAfter keeps a record created
 * at that time unless `createdAtAfterIncluded` is false (ListTransformJobs: "created after").
 */
export function listResources<T extends BaseRecord>(
  records: T[],
  nameMember: string,
  input: Input,
  listMember: string,
  createdAtAfterIncluded = true,
): Input {
  return listPage(records, input, {
    nameMember,
    listMember,
    defaultSortOrder: 'Descending',
    defaultMaxResults: 10,
    createdAtAfterIncluded,
    sortByOther: (sortBy, a, b) =>
      sortBy === 'Status'
        ? compareStrings(String((a as unknown as Input).EndpointStatus), String((b as unknown as Input).EndpointStatus))
        : 0,
  });
}

/** Where a page starts (from NextToken) and how long it is (MaxResults, else `defaultMax`). */
export function pageOf(input: Input, defaultMax: number): { offset: number; maxResults: number } {
  const maxResults = typeof input.MaxResults === 'number' ? input.MaxResults : defaultMax;
  if (typeof input.NextToken !== 'string') return { offset: 0, maxResults };
  const match = /^o:(\d+)$/.exec(Buffer.from(input.NextToken, 'base64').toString('utf8'));
  if (!match) throw validationException('Invalid pagination token');
  return { offset: Number(match[1]), maxResults };
}

/** The NextToken of a page that ends before `offset` items. */
export function nextToken(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64');
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A timestamp member as epoch seconds (the SDKs send epoch seconds; ISO strings are accepted too). */
export function toSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms / 1000;
  }
  return undefined;
}
