import type { ActionSpec } from '@aura/assistant';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SHIPPED_VERSION } from '../plugins/catalog.ts';
import { dispatch } from '../plugins/dispatch.ts';
import {
  type ActionTable,
  type CredentialCheck,
  type ExecutionContext,
  type IntegrationPlugin,
  PluginError,
} from '../plugins/types.ts';
import { inputOfTool, type Tool } from './mcp-schema.ts';

/**
 * Any MCP server as a plugin (the Model Context Protocol SDK's client, over stdio or streamable
 * HTTP): each tool is an action `mcp.NAME.TOOL` with the tool's parameters. The server's own
 * tool annotations (readOnlyHint…) are not trusted: every tool needs approval unless the user
 * lists it under `readOnly` in plugins.yaml.
 */
export class McpPlugin implements IntegrationPlugin {
  #client: Client | undefined;
  #tools: Tool[] = [];
  #readOnly = new Set<string>();

  constructor(readonly name: string) {}

  async initialize(config: Record<string, unknown>, credentials?: Record<string, unknown>) {
    this.#readOnly = new Set(Array.isArray(config.readOnly) ? config.readOnly.map(String) : []);
    const secretEnv = (credentials?.env ?? {}) as Record<string, string>;
    const headers = (credentials?.headers ?? {}) as Record<string, string>;
    let transport: StdioClientTransport | StreamableHTTPClientTransport;
    if (typeof config.command === 'string') {
      transport = new StdioClientTransport({
        command: config.command,
        args: Array.isArray(config.args) ? config.args.map(String) : [],
        env: {
          ...(process.env as Record<string, string>),
          ...((config.env as Record<string, string>) ?? {}),
          ...secretEnv,
        },
        stderr: 'ignore',
      });
    } else if (typeof config.url === 'string') {
      transport = new StreamableHTTPClientTransport(new URL(config.url), { requestInit: { headers } });
    } else throw new PluginError(`MCP server "${this.name}" needs "command" or "url" in plugins.yaml`, false);
    const client = new Client({ name: 'aura-agent', version: '0.1.0' });
    try {
      await client.connect(transport);
      this.#tools = ((await client.listTools()).tools ?? []) as Tool[];
      this.#actions = Object.fromEntries(
        this.#tools.map((t) => [`mcp.${this.name}.${t.name}`, (params) => this.#call(t.name, params)]),
      );
    } catch (error) {
      await client.close().catch(() => {});
      throw new PluginError(`cannot start or reach MCP server "${this.name}": ${(error as Error).message}`, true);
    }
    this.#client = client;
  }

  get manifest() {
    return {
      name: this.name,
      version: SHIPPED_VERSION,
      description: 'tools of an MCP server',
      actions: this.#tools.map(
        (t): ActionSpec => ({
          name: `mcp.${this.name}.${t.name}`,
          description: t.description ?? t.name,
          // Aura's own policy, never the server's annotations: approval unless the user said read-only.
          sideEffect: this.#readOnly.has(t.name) ? 'none' : 'external',
          params: Object.fromEntries(
            Object.entries(t.inputSchema?.properties ?? {}).map(([k, v]) => [
              k,
              v.type === 'number' || v.type === 'integer' ? 'number' : 'string',
            ]),
          ) as ActionSpec['params'],
          input: inputOfTool(t),
        }),
      ),
    };
  }

  async validateCredentials(): Promise<CredentialCheck> {
    if (!this.#client) return { ok: false, message: `MCP server "${this.name}" is not connected` };
    return {
      ok: true,
      message: `MCP server "${this.name}": ${this.#tools.length} tools (${this.#tools.map((t) => t.name).join(', ')})`,
    };
  }

  /** One handler per tool the server listed, each calling that tool. */
  #actions: ActionTable = {};

  async #call(tool: string, params: Record<string, unknown>) {
    if (!this.#client) throw new PluginError(`MCP server "${this.name}" is not connected`, false);
    let result: { isError?: boolean; content?: unknown; structuredContent?: unknown };
    try {
      result = (await this.#client.callTool({ name: tool, arguments: params })) as typeof result;
    } catch (error) {
      throw new PluginError(`MCP tool ${tool} failed: ${(error as Error).message}`, true);
    }
    const text = Array.isArray(result.content)
      ? (result.content as { type: string; text?: string }[])
          .filter((c) => c.type === 'text')
          .map((c) => c.text ?? '')
          .join('\n')
      : '';
    if (result.isError) throw new PluginError(`MCP tool ${tool} answered an error: ${text.slice(0, 500)}`, false);
    return { text, ...(result.structuredContent ? { data: result.structuredContent } : {}) };
  }

  // A tool takes its arguments alone, so a caller outside a step (the CLI, a test) need pass no context.
  executeAction(action: string, params: Record<string, unknown>, context?: ExecutionContext) {
    return dispatch(
      this.#actions,
      action,
      params,
      context ?? { taskId: '', stepId: '', idempotencyKey: action },
      `MCP server "${this.name}" has no tool for ${action}`,
    );
  }

  async close() {
    await this.#client?.close().catch(() => {});
  }
}
