// The scripted model's shapes: what it records of a request, what a script answers.

/** One recorded POST to `/v1/messages` or `/v1/messages/count_tokens` (HEAD/GET `/` and 404s are not recorded). */
export interface RecordedRequest {
  at: number;
  /** URL path without the query string, e.g. `/v1/messages` (the CLI sends `/v1/messages?beta=true`). */
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON body (undefined for bodiless requests, the raw string if it is not JSON). */
  body: any;
  /** `x-claude-code-session-id` header. */
  sessionId?: string;
  /** Script name chosen for this request (`default` when the prompt has no directive); undefined for side requests. */
  script?: string;
  /** All system prompt text joined with "\n". */
  systemText: string;
  /** Names of the tools offered in the request. */
  toolNames: string[];
}

export interface ScriptedModel {
  url: string;
  requests: RecordedRequest[];
  /** `/v1/messages` requests currently open. */
  inFlight: number;
  /** High-water mark of inFlight since start/reset. */
  maxConcurrent: number;
  /** Clears `requests` and `maxConcurrent`. */
  reset(): void;
  close(): Promise<void>;
}

export type Block = { type: string; [k: string]: any };
export type Message = { role: string; content: string | Block[] };

export type OutBlock = { type: 'text'; text: string } | { type: 'tool_use'; name: string; input: Record<string, unknown> };

export interface Reply {
  blocks: OutBlock[];
  stopReason: 'end_turn' | 'tool_use';
  /** Explicit usage; default ≈ chars/4 of the prompt + tool results (input) and of the output. */
  usage?: { input_tokens: number; output_tokens: number };
  /** Wait before sending anything. */
  delayMs?: number;
  /** Spread the text deltas over this many ms (with `chunks` deltas). */
  streamOverMs?: number;
  chunks?: number;
  /** Delta size for text when streamOverMs is not given. */
  chunkSize?: number;
  /** Cut the connection after the first text delta (an API that dies mid-stream). */
  dropMidStream?: boolean;
}

export interface ErrorReply {
  status: number;
  type: string;
  message: string;
}

/** A script's answer: a reply to send, or an API error. */
export type Choice = { reply: Reply } | { error: ErrorReply };

/** What a script sees of the request: its directive's arguments and where the conversation stands. */
export interface ScriptContext {
  /** The directive's words after its name, and the same as one string. */
  args: string[];
  rest: string;
  /** Assistant tool_use turns since the prompt carrying the directive. */
  turn: number;
  /** The messages after that prompt. */
  after: Message[];
  /** tool_result blocks of the last user message. */
  lastResults: Block[];
  body: any;
  rec: RecordedRequest;
  /** Counts this request for its conversation; `fails` while it is one of the first `n`. */
  failing(n: number): { fails: boolean; count: number };
}

/** One `[[script:NAME …]]`. */
export type Script = (ctx: ScriptContext) => Choice;
