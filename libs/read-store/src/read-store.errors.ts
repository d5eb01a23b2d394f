import type { Filter, Scalar } from './read-store.port';

/**
 * A field name, filter value or collection name that a query must not carry. Field names come
 * from callers that may pass user input through (query strings), and in MongoDB a name with
 * `$` is an operator and one with `.` reaches into nested documents: rejecting them keeps a
 * filter an equality test on one top-level field, on every adapter alike.
 */
export class InvalidQueryError extends Error {
  readonly code = 'INVALID_QUERY';
  constructor(
    readonly what: 'id' | 'field' | 'value' | 'collection' | 'limit',
    message: string,
  ) {
    super(message);
    this.name = 'InvalidQueryError';
  }
}

/** A field of `data` a filter or a countBy may name: not empty, no `$`, no `.`, no NUL. */
export const assertFieldName = (field: string): void => {
  if (typeof field !== 'string' || field.length === 0 || /[$.\0]/.test(field)) {
    throw new InvalidQueryError('field', `invalid field name ${JSON.stringify(field)}: it must be a top-level field without '$' or '.'`);
  }
};

const isScalar = (value: unknown): value is Scalar =>
  value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));

/**
 * Checks every name and value of an equality filter. Values are checked too: an object such
 * as `{ $ne: null }` slipped in where a string was typed would be an operator for MongoDB.
 */
export const assertFilter = (filter: Filter | undefined): Filter => {
  if (filter === undefined) return {};
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) {
    throw new InvalidQueryError('value', 'a filter is an object of top-level field names to scalar values');
  }
  for (const [field, value] of Object.entries(filter)) {
    assertFieldName(field);
    if (!isScalar(value)) {
      throw new InvalidQueryError('value', `invalid value for ${field}: only strings, finite numbers, booleans and null compare by equality`);
    }
  }
  return filter;
};

/** Collection names are identifiers: they become MongoDB collection names and SQLite keys. */
export const assertCollectionName = (name: string): void => {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_-]{0,99}$/.test(name)) {
    throw new InvalidQueryError('collection', `invalid collection name ${JSON.stringify(name)}: use letters, digits, '_' and '-', starting with a letter or '_'`);
  }
};

export const assertDocumentId = (id: string): void => {
  if (typeof id !== 'string' || id.length === 0) throw new InvalidQueryError('id', 'a document id is a non-empty string');
};

export const assertLimit = (limit: number | undefined): void => {
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
    throw new InvalidQueryError('limit', `invalid limit ${String(limit)}: a positive integer, or none for every match`);
  }
};

export const assertExpectedVersion = (expectedVersion: number): void => {
  if (!(Number.isInteger(expectedVersion) && expectedVersion >= 0)) {
    throw new RangeError(`expectedVersion must be a non-negative integer, got ${String(expectedVersion)}`);
  }
};

/** How countBy names a bucket: missing and null share "unknown"; other values by their text. */
export const bucketName = (value: unknown): string => {
  if (value === undefined || value === null) return 'unknown';
  return typeof value === 'string' ? value : JSON.stringify(value);
};
