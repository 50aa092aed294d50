import type { Knex } from 'knex';

// docs/retries-and-concurrency.md: Idempotency-Key on POST. One row per caller ("user:<id>" or "ip:<address>") and key,
// kept 24 hours. The first request claims the row (INSERT … ON CONFLICT); its answer is written into
// it when it ends. response_status NULL means the first request is still running (or died: locked_at
// lets a later retry take over a claim abandoned by a crashed process). The body is stored sealed
// (AES-256-GCM, like webhook secrets): answers may carry API tokens.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE idempotency_keys (
      id               bigserial PRIMARY KEY,
      owner            text NOT NULL,
      key              varchar(255) NOT NULL CHECK (length(key) > 0),
      request_hash     char(64) NOT NULL,
      response_status  smallint CHECK (response_status BETWEEN 100 AND 599),
      response_headers jsonb,
      response_body    text,
      created_at       timestamptz NOT NULL,
      locked_at        timestamptz NOT NULL,
      CONSTRAINT idempotency_keys_owner_key UNIQUE (owner, key)
    );
    CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS idempotency_keys');
}
