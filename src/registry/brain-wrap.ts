import type { RegistryRepository } from '../storage/repositories/registry.js';
import { parseFrontmatter } from './frontmatter.js';

/** Used when the registry's `brain` cannot be read (an override that no longer parses). */
const FALLBACK = `You are working for the Claude Code Agent service: this task came from a webhook, and your final message is
posted back verbatim to the thread it came from. The working directory is the task's own workspace. Never edit
.claude/agents or .claude/skills, never look for credentials, and report a refused tool call instead of working
around it. Answer in Markdown: the outcome first, then what was done, then what was not done and why.`;

/**
 * A webhook task's prompt with the service's standing instructions: the body of the registry's `brain` agent, as
 * it is now (an override applies). The request comes first, so it stays what the run is about; the instructions
 * follow, and yield to the task's own agent where the two disagree.
 */
export function wrapWithBrain(prompt: string, brainBody: string | undefined): string {
  const instructions = brainBody?.trim() || FALLBACK;
  return `${prompt}

---
Standing instructions of this service (its \`brain\` agent) for handling the request above. Where they conflict with
your own agent's instructions or tools, your agent's instructions win.

<brain-instructions>
${instructions}
</brain-instructions>`;
}

/** The `brain` agent's body from the registry, if it is there and parses. */
export async function brainBody(registry: Pick<RegistryRepository, 'getAgent'>): Promise<string | undefined> {
  const brain = await registry.getAgent('brain');
  if (!brain) return undefined;
  if (brain.content !== parsed?.content) parsed = { content: brain.content, body: bodyOf(brain.content) };
  return parsed.body;
}

// Every webhook task reads the brain; its text rarely changes, so its YAML is parsed once per version of it.
let parsed: { content: string; body: string | undefined } | undefined;

function bodyOf(content: string): string | undefined {
  try {
    return parseFrontmatter(content).body;
  } catch {
    return undefined;
  }
}
