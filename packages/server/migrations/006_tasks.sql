-- Tasks: plans encrypted by the user's client, run by a durable workflow (DBOS, in the dbos
-- schema of this same database). The server sees ids, order, approval flags and status only.
ALTER TABLE devices ADD COLUMN certificate bytea;

CREATE TABLE tasks (
  id                  uuid PRIMARY KEY,
  user_id             uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  status              text NOT NULL CHECK (status IN ('waiting_approval', 'running', 'completed', 'cancelled', 'failed')),
  request_ciphertext  bytea NOT NULL,
  reason_sealed       bytea,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_user ON tasks (user_id, created_at DESC);

CREATE TABLE task_steps (
  task_id             uuid NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
  step_id             text NOT NULL,
  position            smallint NOT NULL,
  requires_approval   boolean NOT NULL,
  ciphertext          bytea NOT NULL,
  ciphertext_hash     bytea NOT NULL,
  status              text NOT NULL DEFAULT 'pending' CHECK (status IN
                        ('pending', 'waiting_approval', 'approved', 'rejected', 'expired', 'dispatched', 'succeeded', 'failed', 'skipped')),
  attempts            smallint NOT NULL DEFAULT 0,
  -- The one agent (device) an attempt was sent to: two agents of a user never run the same step.
  dispatched_to       uuid,
  result_ciphertext   bytea,
  approval_device_id  uuid REFERENCES devices(id),
  approval_decision   text CHECK (approval_decision IN ('approve', 'reject')),
  approval_expires_at timestamptz,
  approval_signature  bytea,
  approval_decided_at timestamptz,
  PRIMARY KEY (task_id, step_id),
  UNIQUE (task_id, position)
);

-- Requests posted by a client for the user's agent to understand and plan.
CREATE TABLE agent_requests (
  id          uuid PRIMARY KEY,
  user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  ciphertext  bytea NOT NULL,
  status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'done')),
  -- The one agent that plans it (set when it is sent to one, or when one asks for pending work).
  claimed_by  uuid,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agent_requests_queued ON agent_requests (user_id, created_at) WHERE status = 'queued';
