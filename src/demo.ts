/**
 * `npm run demo`: the whole service against the project's scripted Anthropic API, so every screen can be tried
 * without a key. Runs are real Claude Code runs; only the model is scripted, and the service says so everywhere.
 * Put `[[script:tool]]`, `[[script:slow 5000]]`, `[[script:steps 5 800]]` … in a message to pick a scripted behaviour.
 */
import { startScriptedModel } from './demo/scripted-model.js';

const model = await startScriptedModel({ port: Number(process.env.DEMO_MODEL_PORT ?? 0) });
process.env.ANTHROPIC_BASE_URL = model.url;
process.env.ANTHROPIC_API_KEY = 'demo-not-a-real-key';
process.env.DEMO_MODE = 'true';
process.env.DATA_DIR ||= './data-demo';
process.env.DEFAULT_MODEL ||= 'claude-sonnet-4-5';
console.log(`DEMO MODE: Claude Code runs against the scripted model at ${model.url}; no real model is used.`);
await import('./main.js');
