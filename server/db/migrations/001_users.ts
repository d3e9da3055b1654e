import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (table) => {
    table.uuid('id').primary();
    table.text('email').notNullable();
    table.text('username').notNullable();
    table.text('display_name');
    table.text('password_hash').notNullable();
    table.text('status').notNullable().defaultTo('active');
    table.timestamp('email_verified_at', { useTz: true });
    table.timestamp('password_changed_at', { useTz: true });
    table.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.timestamp('deleted_at', { useTz: true });
    table.check("status in ('active', 'disabled')", [], 'users_status_check');
    table.check('char_length(email) <= 254', [], 'users_email_length');
    table.check('char_length(username) between 3 and 32', [], 'users_username_length');
  });
  // Case-insensitive uniqueness among live accounts; a deleted account frees its names.
  await knex.raw(
    'create unique index users_email_unique on users (lower(email)) where deleted_at is null',
  );
  await knex.raw(
    'create unique index users_username_unique on users (lower(username)) where deleted_at is null',
  );
  await knex.raw('create index users_created_at_id on users (created_at, id)');

  await knex.schema.createTable('user_roles', (table) => {
    table.uuid('user_id').notNullable().references('users.id').onDelete('CASCADE');
    table.text('role').notNullable();
    table.timestamp('granted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(['user_id', 'role']);
    table.check("role in ('admin', 'auditor', 'user')", [], 'user_roles_role_check');
  });
  await knex.raw('create index user_roles_role on user_roles (role)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('user_roles');
  await knex.schema.dropTable('users');
}
