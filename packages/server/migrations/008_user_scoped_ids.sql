-- Ids a client chooses (records, tasks, agent requests, support grants) are keys within their
-- user, not across the server: with a global key, a POST with another account's id answered 409
-- where an unused one answered 201, which told anyone whether some account had that id. Now
-- another account's id is simply unused here. Child tables carry the user too, so every key and
-- every join names it: two users' tasks with the same id never share a step.

-- The vault: nothing references these rows (vault_tombstones is per user already, see 007).
ALTER TABLE encrypted_user_contexts DROP CONSTRAINT encrypted_user_contexts_pkey;
ALTER TABLE encrypted_user_contexts ADD PRIMARY KEY (user_id, id);
ALTER TABLE user_relationships DROP CONSTRAINT user_relationships_pkey;
ALTER TABLE user_relationships ADD PRIMARY KEY (user_id, id);
ALTER TABLE learning_events DROP CONSTRAINT learning_events_pkey;
ALTER TABLE learning_events ADD PRIMARY KEY (user_id, id);

-- Tasks and their steps: the steps take their task's user, then the keys change together.
ALTER TABLE task_steps ADD COLUMN user_id uuid;
UPDATE task_steps s SET user_id = t.user_id FROM tasks t WHERE t.id = s.task_id;
ALTER TABLE task_steps ALTER COLUMN user_id SET NOT NULL;
ALTER TABLE task_steps DROP CONSTRAINT task_steps_task_id_fkey;
ALTER TABLE task_steps DROP CONSTRAINT task_steps_pkey;
ALTER TABLE task_steps DROP CONSTRAINT task_steps_task_id_position_key;
ALTER TABLE tasks DROP CONSTRAINT tasks_pkey;
ALTER TABLE tasks ADD PRIMARY KEY (user_id, id);
ALTER TABLE task_steps ADD PRIMARY KEY (user_id, task_id, step_id);
ALTER TABLE task_steps ADD UNIQUE (user_id, task_id, position);
ALTER TABLE task_steps ADD FOREIGN KEY (user_id, task_id) REFERENCES tasks (user_id, id) ON DELETE CASCADE;

-- A task's DBOS workflow id now names its user (task-<user>-<task>). A task submitted before
-- this migration keeps the workflow it already has (task-<task>), which may be waiting for an
-- approval or a result right now: its id is kept here, and null means the new form.
ALTER TABLE tasks ADD COLUMN workflow_id text;
UPDATE tasks SET workflow_id = 'task-' || id;

ALTER TABLE agent_requests DROP CONSTRAINT agent_requests_pkey;
ALTER TABLE agent_requests ADD PRIMARY KEY (user_id, id);

-- Support grants and their re-encrypted copies. (Access requests keep their global key: the
-- server picks their ids.)
ALTER TABLE support_grant_records ADD COLUMN user_id uuid;
UPDATE support_grant_records r SET user_id = g.user_id FROM support_grants g WHERE g.id = r.grant_id;
ALTER TABLE support_grant_records ALTER COLUMN user_id SET NOT NULL;
ALTER TABLE support_grant_records DROP CONSTRAINT support_grant_records_grant_id_fkey;
ALTER TABLE support_grant_records DROP CONSTRAINT support_grant_records_pkey;
ALTER TABLE support_grants DROP CONSTRAINT support_grants_pkey;
ALTER TABLE support_grants ADD PRIMARY KEY (user_id, id);
ALTER TABLE support_grant_records ADD PRIMARY KEY (user_id, grant_id, category, record_id);
ALTER TABLE support_grant_records
  ADD FOREIGN KEY (user_id, grant_id) REFERENCES support_grants (user_id, id) ON DELETE CASCADE;
-- An agent names a grant by its id (and, when two users chose the same one, by its user too).
DROP INDEX support_grants_agent;
CREATE INDEX support_grants_agent ON support_grants (agent_id, id);
