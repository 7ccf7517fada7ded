// The frontmatter parser (YAML) and the agent and skill validators. The shipped agent home and listing a home are
// in agent-home-files.test.ts.
import { describe, expect, it } from 'vitest';
import { FrontmatterError, parseFrontmatter, splitList, validateAgent, validateSkill } from './frontmatter.js';

const agent = (front: string, body = 'You are a test agent.\n') => `---\n${front}\n---\n${body}`;
const GOOD_AGENT = 'name: good\ndescription: A good agent.\ntools: Read, Bash\nmodel: inherit';

function parseError(text: string): FrontmatterError {
  try {
    parseFrontmatter(text);
  } catch (err) {
    if (err instanceof FrontmatterError) return err;
    throw err;
  }
  throw new Error('expected a FrontmatterError');
}

describe('parseFrontmatter', () => {
  it('reads scalars, quoted strings, comma lists, flow lists, block lists and the body', () => {
    const text = [
      '---',
      '# a comment',
      'name: demo',
      'description: "Says \\"hi\\", then: leaves"',
      "argument-hint: 'it''s fine'",
      'tools: Read, Bash(git diff:*), Agent(planning, executor)',
      'disallowedTools: [Write, "Edit"]',
      'skills:',
      '  - testing',
      '  - "verification"',
      'color: blue # trailing comment',
      '---',
      'Body line 1',
      '',
      'Body line 3',
    ].join('\r\n');
    const { data, body } = parseFrontmatter(text);
    expect(data).toEqual({
      name: 'demo',
      description: 'Says "hi", then: leaves',
      'argument-hint': "it's fine",
      tools: ['Read', 'Bash(git diff:*)', 'Agent(planning, executor)'],
      disallowedTools: ['Write', 'Edit'],
      skills: ['testing', 'verification'],
      color: 'blue',
    });
    expect(body).toBe('Body line 1\n\nBody line 3');
  });

  it('keeps commas in ordinary fields and splits list fields outside parentheses only', () => {
    expect(parseFrontmatter('---\ndescription: One, two, three\n---\n').data.description).toBe('One, two, three');
    expect(splitList('Read, Agent(a, b),, Bash(ls:*) ')).toEqual(['Read', 'Agent(a, b)', 'Bash(ls:*)']);
  });

  it('reads nested fields as YAML: mcpServers maps, allowed-tools lists, block scalars, numbers and booleans', () => {
    const text = [
      '---',
      'name: demo',
      'description: >',
      '  Folded over',
      '  two lines.',
      'maxTurns: 5',
      'background: false',
      'mcpServers:',
      '  github:',
      '    command: npx',
      '    args: ["-y", "@modelcontextprotocol/server-github"]',
      '    env: { GITHUB_TOKEN: "${GITHUB_TOKEN}" }',
      'allowed-tools:',
      '  - Read',
      '  - Bash(git diff:*)',
      'webhook_config:',
      '  name: Jira bugs',
      '  provider: jira',
      '  commands: [{ name: triage, template: "Analyse {{issue.key}}: now" }]',
      '---',
      'Body',
    ].join('\n');
    expect(parseFrontmatter(text).data).toEqual({
      name: 'demo',
      description: 'Folded over two lines.\n',
      maxTurns: 5,
      background: false,
      mcpServers: { github: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'], env: { GITHUB_TOKEN: '${GITHUB_TOKEN}' } } },
      'allowed-tools': ['Read', 'Bash(git diff:*)'],
      webhook_config: { name: 'Jira bugs', provider: 'jira', commands: [{ name: 'triage', template: 'Analyse {{issue.key}}: now' }] },
    });
    const json = '{"name":"Jira bugs","provider":"jira","commands":[{"name":"triage","template":"Analyse {{issue.key}}: now"}]}';
    expect(parseFrontmatter(`---\nname: x\nwebhook_config: ${json}\n---\n`).data.webhook_config).toEqual(JSON.parse(json));
  });

  it('keeps a "__proto__" field as a plain field', () => {
    const { data } = parseFrontmatter('---\n__proto__: { polluted: yes }\n---\n');
    expect(Object.hasOwn(data, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['no opening line', 'name: x\n---\nbody', /line 1: .*start with a "---"/, 1, undefined],
    ['never closed', '---\nname: x\nbody', /line 1: .*never closed/, 1, undefined],
    ['a line that is not key: value', '---\nname: x\njust words\n---\n', /line 3 \(just words\): Implicit map keys/, 3, 'just words'],
    ['a field given twice', '---\nname: x\nname: y\n---\n', /line 3 \(name\): Map keys must be unique/, 3, 'name'],
    ['an unterminated quote', '---\ndescription: "open\n---\n', /line 2 \(description\): Missing closing "quote/, 2, 'description'],
    ['text after a quote', "---\ndescription: 'a' b\n---\n", /line 2 \(description\): Unexpected scalar/, 2, 'description'],
    ['": " in a plain value', '---\ndescription: Use when: x\n---\n', /line 2 \(description\): .*put the value in quotes/, 2, 'description'],
    ['an unquoted @', '---\ndescription: @agent things\n---\n', /line 2 \(description\): .*reserved character @; put the value in quotes/, 2, 'description'],
    ['a list instead of fields', '---\n- Read\n---\n', /line 2: the frontmatter must be "key: value" fields/, 2, undefined],
    ['tab indentation', '---\ntools:\n\t- Read\n---\n', /line 3 \(tools\): Tabs are not allowed as indentation; use spaces/, 3, 'tools'],
    ['an unclosed flow list', '---\ntools: [Read, Bash\n---\n', /line 2 \(tools\): Flow sequence .* end with a \]/, 2, 'tools'],
    ['an error deep in a nested field', '---\nname: x\nmcpServers:\n  github:\n    command: "npx\n---\n', /line 5 \(mcpServers\): Missing closing/, 5, 'mcpServers'],
    ['a tag', '---\nname: x\nicon: !!binary aGk=\n---\n', /line 3 \(icon\): Unresolved tag/, 3, 'icon'],
    ['a key that is not text', '---\n? [a]\n: b\n---\n', /line 2: .*keys must be strings/, 2, undefined],
  ])('rejects %s, naming the line and field', (_what, text, message, line, field) => {
    const err = parseError(text);
    expect(err.message).toMatch(message);
    expect(err.line).toBe(line);
    expect(err.field).toBe(field);
  });
});

describe('validateAgent', () => {
  it('accepts a minimal agent, tool patterns, MCP tools and model ids', () => {
    expect(validateAgent('good', agent(GOOD_AGENT))).toEqual([]);
    expect(
      validateAgent(
        'good',
        agent('name: good\ndescription: d.\ntools: Agent(planning, executor), Bash(git diff:*), mcp__svc__create_webhook, mcp__other\nmodel: claude-opus-4-1'),
      ),
    ).toEqual([]);
    expect(validateAgent('good', agent('name: good\ndescription: d.\ntools:\n  - Read\n  - Task\nmodel: haiku'))).toEqual([]);
    // tools and model may be left out: the agent then inherits all tools and the run's model.
    expect(validateAgent('good', agent('name: good\ndescription: d.'))).toEqual([]);
  });

  it.each([
    ['a missing name', GOOD_AGENT.replace('name: good\n', ''), /^name: missing/],
    ['a name that differs from the file', GOOD_AGENT.replace('name: good', 'name: other'), /^name: "other" does not match the file name "good.md"/],
    ['a missing description', GOOD_AGENT.replace('description: A good agent.\n', ''), /^description: missing/],
    ['an empty description', GOOD_AGENT.replace('A good agent.', '""'), /^description: missing/],
    ['an unknown tool', GOOD_AGENT.replace('Read, Bash', 'Read, TodoWrite'), /^tools: "TodoWrite" is not a Claude Code tool/],
    ['a wrongly cased tool', GOOD_AGENT.replace('Read, Bash', 'read'), /^tools: "read" .*did you mean "Read"/],
    ['tools separated by spaces', GOOD_AGENT.replace('Read, Bash', 'Read Grep'), /^tools: "Read Grep" .*separate tools with commas/],
    ['an empty tools list', GOOD_AGENT.replace('Read, Bash', '[]'), /^tools: empty/],
    ['an empty pattern', GOOD_AGENT.replace('Read, Bash', 'Bash()'), /^tools: "Bash\(\)" has an empty pattern/],
    ['an unknown model', GOOD_AGENT.replace('inherit', 'gpt-4'), /^model: "gpt-4" is not sonnet, opus, haiku, inherit/],
    ['an unknown field', `${GOOD_AGENT}\nallowed-tools: Read`, /^allowed-tools: not a field of a Claude Code agent/],
  ])('reports %s', (_what, front, message) => {
    const errors = validateAgent('good', agent(front));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  it('reports malformed frontmatter as one error naming the line and field', () => {
    expect(validateAgent('good', 'name: good\n')).toEqual([
      'frontmatter: line 1: the file must start with a "---" line that opens the frontmatter',
    ]);
    expect(validateAgent('good', agent(`${GOOD_AGENT}\nmcpServers:\n  github: "x`))).toEqual([
      'frontmatter: line 7 (mcpServers): Missing closing "quote',
    ]);
  });

  it('accepts nested mcpServers, and reports values of the wrong shape by field', () => {
    expect(validateAgent('good', agent(`${GOOD_AGENT}\nmcpServers:\n  github:\n    command: npx\n    args: [-y, server]`))).toEqual([]);
    expect(validateAgent('good', agent(GOOD_AGENT.replace('A good agent.', '[a, b]')))).toEqual(['description: must be text, not a list']);
    expect(validateAgent('good', agent(GOOD_AGENT.replace('Read, Bash', '{ Read: yes }')))).toEqual([
      'tools: must be a comma-separated line or a list of tool names, not a mapping',
    ]);
    expect(validateAgent('good', agent(GOOD_AGENT.replace('Read, Bash', '[Read, [Bash]]')))).toEqual(['tools: every entry must be a tool name, not a list']);
    expect(validateAgent('good', agent(GOOD_AGENT.replace('name: good', 'name: 7')))).toEqual(['name: must be text, not the number 7']);
  });

  // Claude Code drops an agent whose hooks are a scalar, a list, a number or a boolean, so every run of it fails;
  // a nested mapping cannot be stored at all. Whatever the form, the field is refused by name.
  it.each([
    ['a command', 'hooks: echo hi'],
    ['a list', 'hooks: [PreToolUse]'],
    ['list items', 'hooks:\n  - Stop'],
    ['a nested mapping', 'hooks:\n  Stop: x'],
    ['an empty value', 'hooks: ""'],
  ])('refuses hooks given as %s, naming the field', (_what, hooks) => {
    const errors = validateAgent('good', agent(`${GOOD_AGENT}\n${hooks}`));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^hooks: not accepted in the registry: hooks run shell commands/);
  });

  it('reports an empty body and an invalid file name', () => {
    expect(validateAgent('good', agent(GOOD_AGENT, '\n  \n'))).toEqual(["body: empty; the body is the agent's system prompt"]);
    const errors = validateAgent('Bad_Name', agent(GOOD_AGENT.replace('good', 'Bad_Name')));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^name: "Bad_Name" is not a valid agent name/);
    expect(validateAgent('-x', agent(GOOD_AGENT.replace('good', '-x')))[0]).toMatch(/^name: "-x" is not a valid/);
    expect(validateAgent('a'.repeat(65), agent(GOOD_AGENT.replace('good', 'a'.repeat(65))))[0]).toMatch(/^name: /);
  });
});

describe('validateSkill', () => {
  const skill = (front: string, body = 'Do the thing.\n') => `---\n${front}\n---\n${body}`;
  const GOOD_SKILL = 'name: release\ndescription: How we release.\nallowed-tools: Bash(git tag:*), Read(//**/.claude/skills/release/**)';

  it('accepts a valid skill', () => {
    expect(validateSkill('release', skill(GOOD_SKILL))).toEqual([]);
  });

  it.each([
    ['a name that differs from the folder', GOOD_SKILL.replace('name: release', 'name: deploy'), /^name: "deploy" does not match the folder name "release"/],
    ['a missing description', GOOD_SKILL.replace('description: How we release.\n', ''), /^description: missing/],
    ['an unknown allowed tool', GOOD_SKILL.replace('Bash(git tag:*)', 'Shell(git tag:*)'), /^allowed-tools: "Shell" is not a Claude Code tool/],
    ['allowed_tools spelled with "_"', GOOD_SKILL.replace('allowed-tools', 'allowed_tools'), /^allowed_tools: not a field of a Claude Code skill/],
  ])('reports %s', (_what, front, message) => {
    const errors = validateSkill('release', skill(front));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
  });

  it('reports an empty body', () => {
    expect(validateSkill('release', skill(GOOD_SKILL, ''))).toEqual(["body: empty; the body is the skill's instructions"]);
  });

  it('refuses hooks, naming the field', () => {
    expect(validateSkill('release', skill(`${GOOD_SKILL}\nhooks: echo hi`))[0]).toMatch(/^hooks: not accepted in the registry/);
  });
});
