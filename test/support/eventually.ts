/** Polls `check` until it holds; throws naming `what` when it has not within `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, what = 'the condition', timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting until ${what}`);
}
