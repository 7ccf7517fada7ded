// The management tools' `tools/list` answer, worked out once per process. Claude Code waits for it before it reads
// the run's prompt (seen with 2.1.330: its startup goes on only after the list came and was read), so every dashboard
// run paid for a fresh MCP server (every tool's zod schema turned into JSON Schema) inside its own start; the list is
// the same for every run (no tool depends on the task), so it is listed once, by the SDK's own server, and kept.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** The `result` of `tools/list` as JSON text, from `build()`'s server asked once; a failed listing is tried again next time. */
export function toolListOnce(build: () => McpServer): () => Promise<string> {
  let listed: Promise<string> | undefined;
  return () => {
    listed ??= listTools(build()).catch((err: unknown) => {
      listed = undefined;
      throw err;
    });
    return listed;
  };
}

async function listTools(server: McpServer): Promise<string> {
  const [client, inner] = InMemoryTransport.createLinkedPair();
  try {
    await server.connect(inner);
    const answer = new Promise<JSONRPCMessage>((resolve) => (client.onmessage = resolve));
    await client.start();
    await client.send({ jsonrpc: '2.0', id: 0, method: 'tools/list' });
    const message = await answer;
    if (!('result' in message)) throw new Error(`the management server did not list its tools: ${JSON.stringify(message).slice(0, 200)}`);
    return JSON.stringify(message.result);
  } finally {
    await server.close();
  }
}

/** A single `tools/list` request answered from the kept list; `id` as the request gave it (a string or a number). */
export function toolListAnswer(id: string | number, result: string): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${result}}`;
}
