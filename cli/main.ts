/** Runs the `smwf` command with its arguments and returns the exit code. */
export async function main(args: string[]): Promise<number> {
  console.log('smwf', args.join(' '));
  return 0;
}
