import { BaseRepository, isUuid, type ListPolicy, type Query } from '../../lib/base-repository.ts';
import type { Knex, Transaction } from '../../lib/database.ts';
import { badRequest } from '../../lib/errors.ts';
import { ROLES, type Role, USER_STATUSES, type User, UserModel } from './user.model.ts';

/** `%`, `_` and `\` in a search term match themselves, not any character. */
const escapeLike = (term: string) => term.replace(/[\\%_]/g, (c) => `\\${c}`);

const parseDate = (value: string, name: string): string => {
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw badRequest(`${name} must be an ISO date`, { [name]: 'date' });
  return date.toISOString();
};

const policy: ListPolicy<UserModel> = {
  filters: {
    q: (query, value) => {
      const term = `%${escapeLike(value.toLowerCase())}%`;
      query.where((w) =>
        w
          .whereRaw("lower(users.email) like ? escape '\\'", [term])
          .orWhereRaw("lower(users.username) like ? escape '\\'", [term]),
      );
    },
    role: (query, value) => {
      if (!(ROLES as readonly string[]).includes(value)) {
        throw badRequest(`role must be one of ${ROLES.join(', ')}`, { role: 'enum' });
      }
      query.whereRaw(
        'exists (select 1 from user_roles ur where ur.user_id = users.id and ur.role = ?)',
        [value],
      );
    },
    status: (query, value) => {
      if (!(USER_STATUSES as readonly string[]).includes(value)) {
        throw badRequest(`status must be one of ${USER_STATUSES.join(', ')}`, { status: 'enum' });
      }
      query.where('users.status', value);
    },
    createdFrom: (query, value) => {
      query.where('users.createdAt', '>=', parseDate(value, 'createdFrom'));
    },
    createdTo: (query, value) => {
      query.where('users.createdAt', '<', parseDate(value, 'createdTo'));
    },
  },
  sorts: { createdAt: 'users.createdAt', email: 'users.email', username: 'users.username' },
  defaultSort: '-createdAt',
};

export interface NewUser {
  readonly email: string;
  readonly username: string;
  readonly displayName?: string | null;
  readonly passwordHash: string;
  readonly roles: readonly Role[];
}

export class UserRepository extends BaseRepository<UserModel, User> {
  protected readonly listPolicy = policy;

  constructor(knex: Knex) {
    super(knex, UserModel);
  }

  /** Soft-deleted users are gone for every query this repository makes. */
  protected override scoped(trx?: Transaction): Query<UserModel> {
    return UserModel.query(trx ?? this.knex).whereNull(
      'users.deletedAt',
    ) as unknown as Query<UserModel>;
  }

  /** Each user with their roles, aggregated in the same query. */
  protected override baseQuery(trx?: Transaction): Query<UserModel> {
    const db = trx ?? this.knex;
    return this.scoped(trx).select(
      'users.*',
      db.raw(
        "coalesce((select array_agg(r.role order by r.role) from user_roles r where r.user_id = users.id), '{}') as roles",
      ),
    ) as unknown as Query<UserModel>;
  }

  protected override toEntity(row: UserModel): User {
    return { ...(row.toJSON() as unknown as User), roles: parseRoles(row.roles) };
  }

  getByEmail(email: string, trx?: Transaction): Promise<User | undefined> {
    return this.findWhereLower('email', email, trx);
  }

  getByUsername(username: string, trx?: Transaction): Promise<User | undefined> {
    return this.findWhereLower('username', username, trx);
  }

  private async findWhereLower(column: 'email' | 'username', value: string, trx?: Transaction) {
    const row = await this.baseQuery(trx).findOne((w) =>
      w.whereRaw('lower(??) = lower(?)', [`users.${column}`, value]),
    );
    return row ? this.toEntity(row) : undefined;
  }

  /** Insert the user and their roles together. */
  async createUser(data: NewUser, trx: Transaction): Promise<User> {
    const id = crypto.randomUUID();
    await UserModel.query(trx).insert({
      id,
      email: data.email,
      username: data.username,
      displayName: data.displayName ?? null,
      passwordHash: data.passwordHash,
      status: 'active',
    });
    await this.setRoles(id, data.roles, trx);
    return (await this.findById(id, trx)) as User;
  }

  async setRoles(userId: string, roles: readonly Role[], trx: Transaction): Promise<void> {
    await trx('user_roles').where({ userId }).delete();
    if (roles.length > 0) {
      await trx('user_roles').insert([...new Set(roles)].map((role) => ({ userId, role })));
    }
  }

  /** Soft delete: the row stays for audit, its email and username are freed. */
  override async delete(id: string, trx?: Transaction): Promise<boolean> {
    if (!isUuid(id)) return false;
    const now = new Date();
    const changed = await this.scoped(trx)
      .patch({ deletedAt: now, status: 'disabled' })
      .where('users.id', id);
    return changed > 0;
  }

  async countWithRole(role: Role, trx?: Transaction): Promise<number> {
    const [row] = await (trx ?? this.knex)('user_roles')
      .join('users', 'users.id', 'user_roles.userId')
      .where({ 'user_roles.role': role, 'users.status': 'active' })
      .whereNull('users.deletedAt')
      .count('* as count');
    return Number(row?.count ?? 0);
  }
}

/** PostgreSQL returns text[]; some drivers hand back the literal '{a,b}'. */
function parseRoles(raw: unknown): Role[] {
  const list = Array.isArray(raw)
    ? raw
    : typeof raw === 'string'
      ? raw
          .replace(/^\{|\}$/g, '')
          .split(',')
          .filter(Boolean)
      : [];
  return list.filter((role): role is Role => (ROLES as readonly string[]).includes(role));
}
