// placeholder replaced once the SDK lands
export async function tail(_argv: string[]): Promise<void> {
  throw new Error('tail: not built yet');
}
