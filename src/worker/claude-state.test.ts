import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Config, loadConfig } from '../config.js';
import { keepRefreshedLogin, prepareClaudeState, removeClaudeState, sweepClaudeState } from './claude-state.js';

describe('a run’s own Claude state', () => {
  let root: string;
  let config: Config;
  let operatorDir: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-state-'));
    operatorDir = path.join(root, 'operator-claude');
    fs.mkdirSync(operatorDir);
    config = loadConfig({ DATA_DIR: path.join(root, 'data'), CLAUDE_CONFIG_DIR: operatorDir });
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('starts empty but for a copy of the operator’s login, even when a previous attempt left files', async () => {
    fs.writeFileSync(path.join(operatorDir, '.credentials.json'), 'login');
    fs.writeFileSync(path.join(operatorDir, 'settings.json'), '{}');
    const first = await prepareClaudeState(config, 'task_1');
    fs.writeFileSync(path.join(first.configDir, 'leftover'), 'x');
    const state = await prepareClaudeState(config, 'task_1');
    expect(state.root).toBe(path.join(config.dataDir, 'claude-state', 'task_1'));
    expect(fs.readdirSync(state.configDir)).toEqual(['.credentials.json']);
    expect(fs.readFileSync(path.join(state.configDir, '.credentials.json'), 'utf8')).toBe('login');
    await removeClaudeState(state);
    expect(fs.existsSync(state.root)).toBe(false);
  });

  it('works without any operator login (API key setups)', async () => {
    const state = await prepareClaudeState(config, 'task_2');
    expect(fs.readdirSync(state.configDir)).toEqual([]);
    await keepRefreshedLogin(config, state);
    expect(fs.existsSync(path.join(operatorDir, '.credentials.json'))).toBe(false);
  });

  it('hands a login the run refreshed back to the operator, and leaves an unchanged one alone', async () => {
    const operatorLogin = path.join(operatorDir, '.credentials.json');
    fs.writeFileSync(operatorLogin, 'token-1');
    const state = await prepareClaudeState(config, 'task_3');
    const before = fs.statSync(operatorLogin).mtimeMs;
    await keepRefreshedLogin(config, state);
    expect(fs.statSync(operatorLogin).mtimeMs).toBe(before);
    fs.writeFileSync(path.join(state.configDir, '.credentials.json'), 'token-2');
    await keepRefreshedLogin(config, state);
    expect(fs.readFileSync(operatorLogin, 'utf8')).toBe('token-2');
    expect(fs.readdirSync(operatorDir)).toEqual(['.credentials.json']); // no temp file left behind
  });

  it('sweeps state left by runs that are not running any more', async () => {
    await prepareClaudeState(config, 'task_running');
    await prepareClaudeState(config, 'task_crashed');
    const removed = await sweepClaudeState(config, async (id) => id === 'task_running');
    expect(removed).toEqual(['task_crashed']);
    expect(fs.readdirSync(path.join(config.dataDir, 'claude-state'))).toEqual(['task_running']);
  });
});
