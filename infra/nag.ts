import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Renders a (possibly tokenized) value the way cdk-nag names it in a finding: `Ref`s as `<Name>`, `Fn::GetAtt`s
 * as `<LogicalId.Attr>`, joins concatenated. Lets an acknowledgement name the exact finding it accepts.
 */
export function nagForm(scope: IConstruct, value: string): string {
  const render = (node: unknown): string => {
    if (typeof node === 'string') return node;
    if (node !== null && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      if (typeof obj.Ref === 'string') return `<${obj.Ref}>`;
      const getAtt = obj['Fn::GetAtt'];
      if (Array.isArray(getAtt)) return `<${getAtt.join('.')}>`;
      const join = obj['Fn::Join'];
      if (Array.isArray(join)) {
        const [separator, parts] = join as [string, unknown[]];
        return parts.map(render).join(separator);
      }
    }
    return JSON.stringify(node);
  };
  return render(Stack.of(scope).resolve(value));
}

/** Acknowledges one IAM5 wildcard finding on `scope`, naming the resource pattern and why it is needed. */
export function acknowledgeWildcard(scope: IConstruct, resourcePattern: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resourcePattern}]`, reason });
}
