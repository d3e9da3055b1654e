import type { Model, ModelClass, PartialModelObject, QueryBuilder } from 'objection';
import type { Knex, Transaction } from './database.ts';
import { AppError, badRequest, CommonErrors } from './errors.ts';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;
/** Deep offsets make the database skip rows one by one; past this, keyset pagination. */
export const MAX_PAGE = 10_000;

export type Query<M extends Model> = QueryBuilder<M, M[]>;

/** Applies one allowlisted filter; values are always bound, never spliced into SQL. */
export type FilterApplier<M extends Model> = (query: Query<M>, value: string) => void;

export interface ListPolicy<M extends Model> {
  /** API filter name → how it narrows the query. Anything else is a 400. */
  readonly filters: Readonly<Record<string, FilterApplier<M>>>;
  /** API sort field → column. Anything else is a 400. */
  readonly sorts: Readonly<Record<string, string>>;
  /** e.g. '-createdAt' for newest first. */
  readonly defaultSort: string;
}

export interface ListQuery {
  readonly page?: number;
  readonly pageSize?: number;
  /** Keyset pagination: an opaque cursor from a previous page, or '' for the first page. */
  readonly cursor?: string;
  readonly sort?: string;
  readonly filters?: Readonly<Record<string, string | undefined>>;
}

export interface OffsetPage<E> {
  readonly items: E[];
  readonly page: number;
  readonly pageSize: number;
  readonly total: number;
}

export interface CursorPage<E> {
  readonly items: E[];
  readonly pageSize: number;
  readonly nextCursor: string | null;
}

/** A parameter out of range: the same code and shape as a schema failure, naming the field. */
const invalid = (message: string, field: string) =>
  new AppError(400, CommonErrors.validation, message, { [field]: message });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);

interface SortSpec {
  /** The normalized sort as requested, direction included: what a cursor is bound to. */
  readonly key: string;
  readonly field: string;
  readonly column: string;
  readonly direction: 'asc' | 'desc';
}

/**
 * Generic data access for one table. Every method takes an optional transaction and returns
 * plain objects (never Objection instances), so nothing above the repository can lazy-load
 * or save by accident.
 */
export abstract class BaseRepository<M extends Model & { id: string }, E extends { id: string }> {
  protected abstract readonly listPolicy: ListPolicy<M>;

  constructor(
    protected readonly knex: Knex,
    protected readonly model: ModelClass<M>,
  ) {}

  /** The rows this repository may touch at all; subclasses narrow it (soft delete). */
  protected scoped(trx?: Transaction): Query<M> {
    return this.model.query(trx ?? this.knex) as unknown as Query<M>;
  }

  /** The query every read starts from; subclasses add columns (aggregates, joins). */
  protected baseQuery(trx?: Transaction): Query<M> {
    return this.scoped(trx);
  }

  protected table(): string {
    return this.model.tableName;
  }

  protected toEntity(row: M): E {
    return row.toJSON() as unknown as E;
  }

  async findById(id: string, trx?: Transaction): Promise<E | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await this.baseQuery(trx).findOne(`${this.table()}.id`, id);
    return row ? this.toEntity(row) : undefined;
  }

  async findOne(
    where: Readonly<Record<string, unknown>>,
    trx?: Transaction,
  ): Promise<E | undefined> {
    const row = await this.baseQuery(trx).findOne(this.qualify(where));
    return row ? this.toEntity(row) : undefined;
  }

  async count(where: Readonly<Record<string, unknown>> = {}, trx?: Transaction): Promise<number> {
    const [result] = (await this.scoped(trx)
      .where(this.qualify(where))
      .count('* as count')) as unknown as Array<{ count: number | string }>;
    return Number(result?.count ?? 0);
  }

  async create(data: Partial<E>, trx?: Transaction): Promise<E> {
    const inserted = await this.model
      .query(trx ?? this.knex)
      .insert({ id: crypto.randomUUID(), ...data } as PartialModelObject<M>)
      .returning('id');
    const id = (inserted as unknown as { id: string }).id;
    return (await this.findById(id, trx)) as E;
  }

  /** Patch the given fields; undefined when no live row has that id. */
  async update(id: string, patch: Partial<E>, trx?: Transaction): Promise<E | undefined> {
    if (!isUuid(id)) return undefined;
    const changed = await this.scoped(trx)
      .patch(patch as PartialModelObject<M>)
      .where(`${this.table()}.id`, id);
    return changed ? this.findById(id, trx) : undefined;
  }

  async delete(id: string, trx?: Transaction): Promise<boolean> {
    if (!isUuid(id)) return false;
    return (await this.scoped(trx).delete().where(`${this.table()}.id`, id)) > 0;
  }

  /** Offset pagination (page, pageSize, total) or, when `cursor` is given, keyset pagination. */
  async list(query: ListQuery & { cursor: string }, trx?: Transaction): Promise<CursorPage<E>>;
  async list(query: ListQuery, trx?: Transaction): Promise<OffsetPage<E>>;
  async list(query: ListQuery, trx?: Transaction): Promise<OffsetPage<E> | CursorPage<E>> {
    const pageSize = query.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
      throw invalid(`pageSize must be between 1 and ${MAX_PAGE_SIZE}`, 'pageSize');
    }
    const sort = this.parseSort(query.sort ?? this.listPolicy.defaultSort);
    const filtered = this.baseQuery(trx);
    for (const [name, value] of Object.entries(query.filters ?? {})) {
      if (value === undefined) continue;
      // Own keys only: `toString`, `constructor` and `__proto__` are not filters.
      const apply = Object.hasOwn(this.listPolicy.filters, name)
        ? this.listPolicy.filters[name]
        : undefined;
      if (!apply) throw badRequest(`Unknown filter "${name}"`, { [name]: 'unknown_filter' });
      apply(filtered, value);
    }
    const idColumn = `${this.table()}.id`;

    if (query.cursor !== undefined) {
      if (query.page !== undefined) throw badRequest('Use either page or cursor, not both');
      const keyset = filtered.clone();
      if (query.cursor !== '') {
        const [value, id] = decodeCursor(query.cursor, sort.key);
        const op = sort.direction === 'asc' ? '>' : '<';
        keyset.whereRaw(`(??, ??) ${op} (?, ?)`, [sort.column, idColumn, value, id]);
      }
      const rows = await keyset
        .orderBy(sort.column, sort.direction)
        .orderBy(idColumn, sort.direction)
        .limit(pageSize + 1);
      const items = rows.slice(0, pageSize).map((row) => this.toEntity(row));
      const last = items.at(-1) as Record<string, unknown> | undefined;
      const nextCursor =
        rows.length > pageSize && last
          ? encodeCursor(sort.key, last[sort.field], String(last.id))
          : null;
      return { items, pageSize, nextCursor };
    }

    const page = query.page ?? 1;
    if (!Number.isSafeInteger(page) || page < 1 || page > MAX_PAGE) {
      throw invalid(`page must be between 1 and ${MAX_PAGE}; use the cursor to go deeper`, 'page');
    }
    const [countRow] = (await filtered
      .clone()
      .clearSelect()
      .clearOrder()
      .count('* as count')) as unknown as Array<{ count: number | string }>;
    const rows = await filtered
      .orderBy(sort.column, sort.direction)
      .orderBy(idColumn, sort.direction)
      .offset((page - 1) * pageSize)
      .limit(pageSize);
    return {
      items: rows.map((row) => this.toEntity(row)),
      page,
      pageSize,
      total: Number(countRow?.count ?? 0),
    };
  }

  private parseSort(raw: string): SortSpec {
    const direction = raw.startsWith('-') ? 'desc' : 'asc';
    const field = raw.replace(/^[-+]/, '');
    const column = Object.hasOwn(this.listPolicy.sorts, field)
      ? this.listPolicy.sorts[field]
      : undefined;
    if (!column) throw badRequest(`Cannot sort by "${field}"`, { sort: 'not_allowed' });
    return { key: `${direction === 'desc' ? '-' : ''}${field}`, field, column, direction };
  }

  private qualify(where: Readonly<Record<string, unknown>>): Record<string, unknown> {
    return Object.fromEntries(
      Object.entries(where).map(([key, value]) => [`${this.table()}.${key}`, value]),
    );
  }
}

/** A cursor names the sort it was made for (e.g. '-email'); under any other sort it is refused. */
function encodeCursor(sortKey: string, value: unknown, id: string): string {
  const plain = value instanceof Date ? value.toISOString() : value;
  return Buffer.from(JSON.stringify([sortKey, plain, id])).toString('base64url');
}

function decodeCursor(cursor: string, sortKey: string): [string | number, string] {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === 3 &&
      parsed[0] === sortKey &&
      (typeof parsed[1] === 'string' || typeof parsed[1] === 'number') &&
      typeof parsed[2] === 'string' &&
      isUuid(parsed[2])
    ) {
      return [parsed[1], parsed[2]];
    }
  } catch {
    // fall through to the 400 below
  }
  throw badRequest('Invalid cursor', { cursor: 'invalid' });
}
