import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Claude Code's Bash tool starts a login shell that sources $HOME/.bashrc. A developer's or CI machine's profile
// (pyenv rehash, nvm, …) is slow and takes locks that a test which kills a run mid-command can leave behind, making
// every later run hang. Tests therefore give the service, and so every Claude Code child, a HOME of their own.
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cca-home-'));
process.env.HOME = home;
