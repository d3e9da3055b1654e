import { setDefaultTimeout } from 'bun:test';

// Argon2id hashing, database set-up and child processes are slow on purpose; no test asserts
// on time (speed is measured by `bun run bench`), so a generous ceiling only catches hangs.
setDefaultTimeout(30_000);
