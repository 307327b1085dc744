import {
  bytesToHex,
  deriveAuditKeyPair,
  deriveCollectionKey,
  openEnvelope,
  openSealed,
  type SymmetricKey,
  sealEnvelope,
  sha256,
  sign,
  verifySignature,
} from '@aura/crypto';
import { AuraError } from '@aura/errors';
import {
  AgentPending,
  type ApprovalView,
  approvalStatement,
  type Device,
  DeviceList,
  type Dispatch,
  fromBase64,
  OkResponse,
  RecordId,
  type StepStatus,
  StepView,
  TaskList,
  type TaskStatus,
  TaskView,
  toBase64,
} from '@aura/protocol';
import { certificateHolds, type DeviceInfo, deviceCertificate } from './devices.ts';
import { fromUtf8, utf8 } from './encoding.ts';
import type { Api } from './http.ts';
import type { DeviceState } from './state.ts';

/** One step of a plan as the client made it; the server sees only `id` and `requiresApproval`. */
export interface PlannedStep {
  id: string;
  action: string;
  params: Record<string, unknown>;
  dependsOn: string[];
  requiresApproval: boolean;
  why: string;
}

export type { ApprovalView as Approval, Dispatch, StepStatus, TaskStatus, TaskSummary } from '@aura/protocol';

export interface StepOutcome {
  ok: boolean;
  /** For a failure: worth another attempt or not. */
  retryable?: boolean;
  /** What the plugin returned (an event id, a list), or the error a person can read. */
  output?: unknown;
  error?: string;
}

export interface TaskDetail {
  id: string;
  status: TaskStatus;
  request: { text: string; intent?: string; reasoning?: string[] };
  reason: { why: string; stepId?: string } | null;
  createdAt: string;
  updatedAt: string;
  steps: (PlannedStep & {
    status: StepStatus;
    attempts: number;
    result: StepOutcome | null;
    approval: ApprovalView | null;
  })[];
}

/** A task as a list shows it: counts of its steps, and its request as this device opened it. */
export type TaskListed = Omit<TaskList['tasks'][number], 'request'> & { request: TaskDetail['request'] };

const COLLECTION = 'tasks';
const DEFAULT_APPROVAL_HOURS = 24;

/**
 * Tasks from the client's side: plans are encrypted here under the account's task key (every
 * device of the account has it; the server does not), approvals are signed here with this
 * device's Ed25519 key, and the agent checks every approval here before it acts (M17).
 */
export class Tasks {
  readonly #key: SymmetricKey;

  constructor(
    private readonly api: Api,
    private readonly userId: string,
    private readonly accountKey: SymmetricKey,
    private readonly device: DeviceState,
  ) {
    this.#key = deriveCollectionKey(accountKey, COLLECTION, 1);
  }

  #seal(recordId: string, value: unknown): string {
    return toBase64(
      sealEnvelope(this.#key, { userId: this.userId, collection: COLLECTION, recordId }, utf8(JSON.stringify(value)), {
        pad: true,
      }),
    );
  }

  #open<T>(recordId: string, ciphertext: string): T {
    const bytes = openEnvelope(
      this.#key,
      { userId: this.userId, collection: COLLECTION, recordId },
      fromBase64(ciphertext),
    );
    return JSON.parse(fromUtf8(bytes)) as T;
  }

  /** Submits a validated plan; the server starts its workflow. */
  async submit(input: {
    id?: string;
    request: { text: string; intent?: string; reasoning?: string[] };
    steps: PlannedStep[];
  }): Promise<TaskDetail> {
    const id = input.id ?? crypto.randomUUID();
    if (input.steps.length === 0) throw new AuraError('AURA_INVALID_INPUT', 'a task needs at least one step');
    await this.certifyThisDevice();
    const wire = await this.api.post('/api/v1/tasks', TaskView, {
      id,
      request: this.#seal(id, input.request),
      steps: input.steps.map((s) => ({
        id: s.id,
        requiresApproval: s.requiresApproval,
        ciphertext: this.#seal(`${id}/${s.id}`, s),
      })),
    });
    return this.#detail(wire);
  }

  /** The newest tasks, each with its request opened here (the server holds it sealed). */
  async list(limit = 50): Promise<TaskListed[]> {
    const { tasks } = await this.api.get(`/api/v1/tasks?limit=${limit}`, TaskList);
    return tasks.map((t) => ({ ...t, request: this.#open<TaskDetail['request']>(t.id, t.request) }));
  }

  async show(id: string): Promise<TaskDetail> {
    return this.#detail(await this.api.get(`/api/v1/tasks/${encodeURIComponent(id)}`, TaskView));
  }

  #detail(wire: TaskView): TaskDetail {
    let reason: TaskDetail['reason'] = null;
    if (wire.reason) {
      const pair = deriveAuditKeyPair(this.accountKey);
      reason = JSON.parse(fromUtf8(openSealed(pair, 'task-reason', fromBase64(wire.reason))));
    }
    return {
      id: wire.id,
      status: wire.status,
      request: this.#open(wire.id, wire.request),
      reason,
      createdAt: wire.createdAt,
      updatedAt: wire.updatedAt,
      steps: wire.steps.map((s) => {
        const step = this.openStep({ taskId: wire.id, stepId: s.id, ciphertext: s.ciphertext });
        if (step.requiresApproval !== s.requiresApproval)
          throw new AuraError('AURA_SERVER_MISBEHAVED', `the server changed whether step ${s.id} needs approval`);
        return {
          ...step,
          status: s.status,
          attempts: s.attempts,
          result: s.result ? this.#open<StepOutcome>(`${wire.id}/${s.id}/result`, s.result) : null,
          approval: s.approval,
        };
      }),
    };
  }

  /** The step inside a dispatch, checked against the slot it claims (a moved step will not open). */
  openStep(d: { taskId: string; stepId: string; ciphertext: string }): PlannedStep {
    const step = this.#open<PlannedStep>(`${d.taskId}/${d.stepId}`, d.ciphertext);
    if (step.id !== d.stepId) throw new AuraError('AURA_SERVER_MISBEHAVED', 'a step arrived under another id');
    return step;
  }

  /** Signs this device's decision on a waiting step (or on every waiting step of the task). */
  async decide(
    taskId: string,
    decision: 'approve' | 'reject',
    options: { stepId?: string; hours?: number } = {},
  ): Promise<string[]> {
    await this.certifyThisDevice();
    const wire = await this.api.get(`/api/v1/tasks/${encodeURIComponent(taskId)}`, TaskView);
    const waiting = wire.steps.filter(
      (s) => s.status === 'waiting_approval' && (!options.stepId || s.id === options.stepId),
    );
    if (waiting.length === 0)
      throw new AuraError(
        'AURA_TASK_NOT_WAITING',
        options.stepId
          ? `step ${options.stepId} is not waiting for a decision`
          : 'no step of this task is waiting for a decision',
      );
    // Steps are approved one at a time, in order: a server that marked several steps "waiting"
    // would otherwise collect signatures for steps the user has not been shown yet.
    if (waiting.length > 1)
      throw new AuraError(
        'AURA_SERVER_MISBEHAVED',
        `the server says steps ${waiting.map((s) => s.id).join(', ')} all wait for a decision; name one`,
      );
    const deviceId = this.device.deviceId;
    if (!deviceId) throw new AuraError('AURA_NOT_LOGGED_IN', 'this install is not an enrolled device');
    const decided: string[] = [];
    for (const s of waiting) {
      // The hash is computed here from the ciphertext, never taken from the server's claim.
      const stepHash = bytesToHex(sha256(fromBase64(s.ciphertext)));
      const step = this.openStep({ taskId, stepId: s.id, ciphertext: s.ciphertext });
      if (!step.requiresApproval)
        throw new AuraError('AURA_SERVER_MISBEHAVED', `step ${s.id} does not ask for approval; nothing to sign`);
      const earlier = wire.steps.filter((x) => x.position < s.position);
      if (decision === 'approve' && earlier.some((x) => x.status !== 'succeeded'))
        throw new AuraError('AURA_TASK_NOT_WAITING', `step ${s.id} comes after steps that have not succeeded`);
      const expiresAt = new Date(Date.now() + (options.hours ?? DEFAULT_APPROVAL_HOURS) * 3_600_000).toISOString();
      const signature = sign(
        fromBase64(this.device.signing.secretKey),
        'approval',
        approvalStatement({ taskId, stepId: s.id, stepHash, decision, expiresAt }),
      );
      await this.api.post(`/api/v1/tasks/${taskId}/steps/${s.id}/decision`, StepView, {
        decision,
        deviceId,
        expiresAt,
        signature: toBase64(signature),
      });
      decided.push(s.id);
    }
    return decided;
  }

  /** This device's certificate: an HMAC only a holder of the account key can make. */
  deviceCertificate(d: { id: string; signingPublicKey: string; sealingPublicKey: string }): Uint8Array {
    return deviceCertificate({ userId: this.userId, accountKey: this.accountKey }, d);
  }

  async certifyThisDevice(): Promise<void> {
    const id = this.device.deviceId;
    if (!id) return;
    const devices = await this.api.get('/api/v1/devices', DeviceList);
    const me = devices.devices.find((d) => d.id === id);
    if (!me) return;
    // An existing certificate is checked here: a junk one (from a server) would silently disable
    // this device's approvals, so it is replaced.
    if (me.certificate && this.#certified(me)) return;
    if (me.signingPublicKey !== this.device.signing.publicKey || me.sealingPublicKey !== this.device.sealing.publicKey)
      throw new AuraError(
        'AURA_SERVER_MISBEHAVED',
        "the server lists other keys for this device than this device's own",
      );
    await this.api.put(`/api/v1/devices/${id}/certificate`, OkResponse, {
      certificate: toBase64(this.deviceCertificate(me)),
    });
  }

  #certified(device: Device): boolean {
    const account = { userId: this.userId, accountKey: this.accountKey };
    return Boolean(device.certificate && certificateHolds(account, device, fromBase64(device.certificate)));
  }

  /**
   * The agent's own check before it runs a step (the server checked too, but the server may lie):
   * the step needs approval by what it says inside its ciphertext, not by the server's flag; the
   * approval is an approve decision, unexpired, signed over this task, this step and the hash of
   * these very bytes, by a device of the account that is certified and not revoked.
   */
  async verifyDispatch(d: Dispatch, devices?: DeviceInfo[] | (() => Promise<DeviceInfo[]>)): Promise<PlannedStep> {
    const step = this.openStep(d);
    if (!step.requiresApproval) return step;
    const a = d.approval;
    const refuse = (why: string) => {
      throw new AuraError('AURA_APPROVAL_INVALID', `step ${d.stepId} of task ${d.taskId}: ${why}; not executed`);
    };
    if (!a) return refuse('it needs approval and has none');
    if (a.decision !== 'approve') return refuse('it was not approved');
    if (!(Date.parse(a.expiresAt) > Date.now())) return refuse('the approval has expired');
    // The caller passes the device list checked against the signed history (AuraClient.verifiedDevices).
    const list =
      typeof devices === 'function'
        ? await devices()
        : (devices ?? (await this.api.get('/api/v1/devices', DeviceList)).devices);
    const device = list.find((x) => x.id === a.deviceId);
    if (!device) return refuse('the approving device is not in the account');
    if (device.revokedAt) return refuse('the approving device was revoked');
    if (!this.#certified(device))
      return refuse('the approving device is not certified by the account (a key the server added?)');
    const statement = approvalStatement({
      taskId: d.taskId,
      stepId: d.stepId,
      stepHash: bytesToHex(sha256(fromBase64(d.ciphertext))),
      decision: 'approve',
      expiresAt: a.expiresAt,
    });
    if (!verifySignature(fromBase64(device.signingPublicKey), 'approval', statement, fromBase64(a.signature)))
      return refuse('the approval signature does not match this step');
    return step;
  }

  /**
   * For the agent: claims the work waiting for this device (requests to plan, attempts to run) and
   * returns it with what it already holds. A POST: another agent device will not get these.
   */
  async claim(): Promise<AgentPending> {
    return this.api.post('/api/v1/agent/claim', AgentPending);
  }

  /** Reports one attempt's outcome, encrypted. */
  async report(d: Pick<Dispatch, 'taskId' | 'stepId' | 'attempt'>, outcome: StepOutcome): Promise<void> {
    await this.api.post(`/api/v1/tasks/${d.taskId}/steps/${d.stepId}/result`, OkResponse, {
      attempt: d.attempt,
      ok: outcome.ok,
      retryable: outcome.retryable ?? true,
      result: this.#seal(`${d.taskId}/${d.stepId}/result`, outcome),
    });
  }

  /** Posts a request for the user's agent to understand and plan (it waits if the agent is offline). */
  async postRequest(text: string): Promise<string> {
    const id = crypto.randomUUID();
    await this.api.post('/api/v1/agent/requests', RecordId, { id, ciphertext: this.#seal(`request/${id}`, { text }) });
    return id;
  }

  openRequest(r: { id: string; ciphertext: string }): { text: string } {
    return this.#open(`request/${r.id}`, r.ciphertext);
  }

  async requestDone(id: string): Promise<void> {
    await this.api.post(`/api/v1/agent/requests/${id}/done`, OkResponse);
  }
}
