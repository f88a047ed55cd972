import { IConstruct } from "constructs";
import { DefaultTokenResolver, StringConcat, TerraformStack, Token, Tokenization } from "cdktf";

/**
 * A value's text with references resolved to their Terraform expression (e.g.
 * `${azurerm_machine_learning_workspace.w.id}`): stable across synths and equal for two tokens of the
 * same attribute, unlike the token strings themselves. Literals are returned as they are.
 */
export function resolvedText(scope: IConstruct, value: string): string {
  if (!Token.isUnresolved(value)) return value;
  return JSON.stringify(Tokenization.resolve(value, { scope: TerraformStack.of(scope), preparing: true, resolver: new DefaultTokenResolver(new StringConcat()) }));
}
