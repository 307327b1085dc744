import * as z from 'zod';

/** A tool as an MCP server lists it: its input is a JSON Schema object. */
export interface Tool {
  name: string;
  description?: string;
  inputSchema?: { properties?: Record<string, { type?: string | string[] }>; required?: string[] };
}

const JSON_TYPES: Record<string, z.ZodType> = {
  string: z.string(),
  number: z.number(),
  integer: z.number().int(),
  boolean: z.boolean(),
  array: z.array(z.unknown()),
  object: z.record(z.string(), z.unknown()),
  null: z.null(),
};

/** A property's declared JSON type(s); anything for a type this check does not know. */
function ofType(type: string | string[] | undefined): z.ZodType {
  const known = (Array.isArray(type) ? type : type ? [type] : []).map((t) => JSON_TYPES[t]);
  if (known.length === 0 || known.some((t) => !t)) return z.unknown();
  return known.length === 1 ? (known[0] as z.ZodType) : z.union(known as [z.ZodType, z.ZodType]);
}

/**
 * What the host checks of a tool's arguments before calling it: the required properties are
 * there and each declared property has its JSON type. The rest of the schema (formats, nested
 * shapes, enums) is the MCP server's to check: it answers a bad call with an error.
 */
export function inputOfTool(tool: Tool): z.ZodType<Record<string, unknown>> {
  const required = new Set(tool.inputSchema?.required ?? []);
  return z.looseObject(
    Object.fromEntries(
      Object.entries(tool.inputSchema?.properties ?? {}).map(([name, p]) => {
        const type = ofType(p.type);
        return [name, required.has(name) ? type : type.optional()];
      }),
    ),
  );
}
