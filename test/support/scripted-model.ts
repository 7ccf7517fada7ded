// The scripted Anthropic Messages API lives in src/demo (the demo mode serves it too); tests import it from here.
export * from '../../src/demo/scripted-model.js';
