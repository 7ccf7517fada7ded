import { describe, expect, it } from 'vitest';
import { BUILTIN_RULE_SETS } from './builtin-commands.js';
import { helpText } from './help.js';
import { findTrigger } from './matcher.js';

const { github: GITHUB_RULES, sentry: SENTRY_RULES } = BUILTIN_RULE_SETS;

describe('helpText', () => {
  it('lists every command with its aliases and description', () => {
    const text = helpText(GITHUB_RULES);
    expect(text.split('\n')[0]).toBe('**Commands** — write `@agent <command> <your request>`:');
    for (const command of GITHUB_RULES.commands) {
      const line = text.split('\n').find((l) => l.startsWith(`- \`${command.name}\``));
      expect(line, command.name).toBeDefined();
      expect(line).toContain(command.description);
      for (const alias of command.aliases) expect(line).toContain(`\`${alias}\``);
    }
    expect(text).toContain('- `analyze` (also `analyse`, `investigate`) — ');
    expect(text).toMatch(/- `fix` .* Waits for approval unless a maintainer asks\./);
    expect(text).toMatch(/- `analyze` .* This is the default when no command is named\./);
    expect(text).toContain('"new conversation"');
  });

  it('uses the rule set’s phrase and lists auto triggers', () => {
    const text = helpText({ ...SENTRY_RULES, triggerPhrase: '/claude' });
    expect(text).toContain('`/claude <command> <your request>`');
    expect(text).toContain('Runs on its own:\n- `analyze` on event_alert.triggered\n- `analyze` on issue.created');
  });

  it('never triggers the agent when the bot posts it', () => {
    expect(findTrigger(helpText(GITHUB_RULES), '@agent', [])).toBeNull();
  });
});
