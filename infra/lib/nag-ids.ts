import { Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The partition as cdk-nag prints it in a finding id: the literal (`aws`) when the stack's
 * region is known, else the flattened pseudo parameter.
 */
export function nagPartition(scope: IConstruct): string {
  const { partition } = Stack.of(scope);
  return Token.isUnresolved(partition) ? '<AWS::Partition>' : partition;
}
