// The baseline: bare Elysia answering a small JSON object, no plugins.
import { Elysia } from 'elysia';

const app = new Elysia()
  .get('/me', () => ({ user: { id: '1', email: 'a@example.com', roles: ['user'] } }))
  .listen({
    hostname: '127.0.0.1',
    port: Number(process.env.PORT ?? 0),
  });
console.log(JSON.stringify({ msg: 'listening', port: app.server?.port }));
