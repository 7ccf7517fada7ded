/**
 * Scripted Anthropic Messages API server for tests.
 *
 * The real Claude Code CLI talks to it through `ANTHROPIC_BASE_URL=<url>` (with `ANTHROPIC_API_KEY=<anything>` and
 * `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1`). What the "model" answers is chosen by a directive in the latest user
 * prompt of the conversation, `[[script:NAME args…]]`; the position inside the script is derived from the messages
 * array (how many assistant tool_use turns happened since that prompt), so the server keeps no per-run state except
 * the failure counters of `error STATUS N` and `drop N`.
 *
 * Scripts (see docs/claude-cli-notes.md for how the CLI reacts to them):
 *   (none)             `Scripted demo model: I received your message "…". No real model is connected.`
 *   text [words…]      replies the words (default `Hello from the scripted model.`; `\n` is a newline, also in slow)
 *   tool               Write `<cwd>/hello.txt` ("hello from the scripted model"), then `Wrote hello.txt.` (or
 *                      `Could not write hello.txt: <tool_result>` if the CLI refused: under -p the default permission
 *                      mode denies Write, run with `--permission-mode acceptEdits` or `--allowedTools Write`)
 *   bash CMD…          Bash CMD, then `Bash output:\n<tool_result without system-reminders>` (a standalone
 *                      `sleep N` is refused by the CLI; use e.g. `echo start; sleep 300`)
 *   slow MS [words…]   text streamed as ~10 deltas spread over MS ms
 *   steps N MS         N turns of Bash `echo step i` (each sent after MS ms), then `Done after N steps.`
 *   loop               Bash `echo again` on every turn, forever
 *   spend              like loop, each response reports 200000 input / 20000 output tokens
 *   error STATUS [N]   HTTP STATUS with an Anthropic error body; with N only the first N requests of the conversation
 *                      fail, later ones answer `Recovered after N failed requests.`
 *   long KB            a text reply of about KB kilobytes in many deltas
 *   drop [N]           the API dies mid-stream: the response starts (message_start, part of the text) and the
 *                      connection is then cut; with N only the first N requests of the conversation are cut, later
 *                      ones answer `Recovered after N dropped streams.` (the soak's "API crash")
 *   read PATH…         one Read call per PATH (in one turn), then `Read results:` and, per path, `== PATH` followed
 *                      by the tool result (`(error) …` when the CLI reported one). Paths must not contain spaces.
 *   mcp TOOL JSON      calls the tool named TOOL (e.g. `mcp__service__create_webhook`) with the JSON object as its
 *                      input, then answers `Tool result:\n<tool_result>` (or `Tool error:\n…` when the call failed).
 *                      The JSON must not contain `]]` (write `] ]`). A tool the CLI defers behind ToolSearch (MCP
 *                      tools are) is first loaded with ToolSearch `select:TOOL`, as a real model would.
 *   write PATH TEXT…   Read, then Write `<cwd>/PATH` with TEXT (`\n` is a newline), then `Wrote PATH.`
 *   review PATH LINE TEXT…  Read, then Write `<cwd>/.agent/review.json` with one finding on PATH:LINE and the summary
 *                      `Review: TEXT`, then `Review: TEXT` (the service posts it as a line review: src/delivery/)
 *
 * Side requests (count_tokens, `max_tokens` ≤ 1024 such as the CLI's cache-warm / validation probes, or tool-less
 * requests that are not the agent loop, e.g. title generation) get a short text answer and never advance a script.
 */
import { bashScript, longScript, loopScript, slowScript, spendScript, stepsScript, textScript, toolScript } from './scripted-model/scripts/basic.js';
import { dropScript, errorScript } from './scripted-model/scripts/failures.js';
import { mcpScript, readScript } from './scripted-model/scripts/reads-and-tools.js';
import { reviewScript, writeScript } from './scripted-model/scripts/edits.js';
import { startScriptedModelServer } from './scripted-model/server.js';
import type { Script, ScriptedModel } from './scripted-model/types.js';

export type { RecordedRequest, Script, ScriptContext, ScriptedModel } from './scripted-model/types.js';

/**
 * Every script by its directive name: the one place a new script is registered (its code goes in a file of
 * ./scripted-model/scripts/, and a line in the list above says what it does).
 */
export const SCRIPTS: Readonly<Record<string, Script>> = {
  text: textScript,
  tool: toolScript,
  bash: bashScript,
  slow: slowScript,
  steps: stepsScript,
  loop: loopScript,
  spend: spendScript,
  error: errorScript,
  long: longScript,
  drop: dropScript,
  read: readScript,
  mcp: mcpScript,
  write: writeScript,
  review: reviewScript,
};

export function startScriptedModel(opts: { port?: number; host?: string } = {}): Promise<ScriptedModel> {
  return startScriptedModelServer(SCRIPTS, opts);
}
