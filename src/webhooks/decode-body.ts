import { JsonTooDeepError, parseUntrustedJson } from '../security/json-depth.js';

/** A delivery's body as JSON, or as a form (whose `payload` field may carry the JSON). Throws naming what it is not. */
export function decodeBody(rawBody: string, contentType: string): unknown {
  if (contentType.includes('application/x-www-form-urlencoded')) {
    const fields = Object.fromEntries(new URLSearchParams(rawBody));
    // GitHub's form deliveries and Slack's interactivity carry their JSON in one `payload` field.
    if (typeof fields.payload === 'string' && !('command' in fields)) {
      try {
        return { ...fields, payload: parseUntrustedJson(fields.payload) };
      } catch (err) {
        if (err instanceof JsonTooDeepError) throw err;
        throw new Error('JSON in the form field "payload"');
      }
    }
    return fields;
  }
  try {
    return parseUntrustedJson(rawBody);
  } catch (err) {
    if (err instanceof JsonTooDeepError) throw err;
    throw new Error('JSON');
  }
}
