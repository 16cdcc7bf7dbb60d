/** A PascalCase name in kebab-case, as the project names folders and files: DeployEndpoint -> deploy-endpoint. */
export function kebabCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}
