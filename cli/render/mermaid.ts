/** Renders a state machine definition (Amazon States Language) as a Mermaid flowchart. */

type State = Record<string, unknown> & { Type: string };
interface Definition {
  StartAt: string;
  States: Record<string, State>;
}

const id = (name: string) => name.replace(/[^A-Za-z0-9_]/g, '_');

function node(name: string, state: State): string {
  const label = `${name}`;
  switch (state.Type) {
    case 'Choice':
      return `${id(name)}{${JSON.stringify(label)}}`;
    case 'Wait':
      return `${id(name)}([${JSON.stringify(`${label} (wait)`)}])`;
    case 'Succeed':
      return `${id(name)}([${JSON.stringify(label)}]):::succeed`;
    case 'Fail':
      return `${id(name)}([${JSON.stringify(label)}]):::fail`;
    case 'Pass':
      return `${id(name)}[/${JSON.stringify(label)}/]`;
    default:
      return `${id(name)}[${JSON.stringify(label)}]`;
  }
}

function render(definition: Definition, lines: string[], indent: string): void {
  lines.push(`${indent}${id(definition.StartAt)}_start(( )) --> ${id(definition.StartAt)}`);
  for (const [name, state] of Object.entries(definition.States)) {
    lines.push(`${indent}${node(name, state)}`);
    const nested = [state.ItemProcessor, state.Iterator, ...((state.Branches as unknown[]) ?? [])].filter(Boolean);
    nested.forEach((child, i) => {
      lines.push(
        `${indent}subgraph ${id(name)}_${i}[${JSON.stringify(`${name} ${state.Type === 'Map' ? 'item' : `branch ${i + 1}`}`)}]`,
      );
      render(child as Definition, lines, `${indent}  `);
      lines.push(`${indent}end`);
      lines.push(`${indent}${id(name)} -.- ${id(name)}_${i}`);
    });
    if (typeof state.Next === 'string') lines.push(`${indent}${id(name)} --> ${id(state.Next)}`);
    for (const choice of (state.Choices as { Next: string; Variable?: string }[] | undefined) ?? []) {
      lines.push(`${indent}${id(name)} -->|${JSON.stringify(describeChoice(choice))}| ${id(choice.Next)}`);
    }
    if (typeof state.Default === 'string') lines.push(`${indent}${id(name)} -->|otherwise| ${id(state.Default)}`);
    for (const caught of (state.Catch as { ErrorEquals: string[]; Next: string }[] | undefined) ?? []) {
      lines.push(`${indent}${id(name)} -.->|${JSON.stringify(caught.ErrorEquals.join(', '))}| ${id(caught.Next)}`);
    }
  }
}

function describeChoice(choice: Record<string, unknown>): string {
  const rules = (choice.Or ?? choice.And) as Record<string, unknown>[] | undefined;
  if (rules) return rules.map(describeChoice).join(choice.Or ? ' or ' : ' and ');
  const variable = String(choice.Variable ?? '').replace(/^\$\./, '');
  const [operator, value] = Object.entries(choice).find(([key]) => key !== 'Variable' && key !== 'Next') ?? ['', ''];
  const comparison = operator.replace(/^(String|Numeric|Boolean|Timestamp)/, '').replace(/^Equals$/, '=');
  return `${variable} ${comparison} ${String(value)}`.trim();
}

/** The Mermaid `flowchart TD` of a definition: tasks as boxes, choices as diamonds, catches dashed. */
export function toMermaid(definition: unknown): string {
  const lines = ['flowchart TD'];
  render(definition as Definition, lines, '  ');
  lines.push('  classDef succeed fill:#d4f7d4,stroke:#2d7d2d');
  lines.push('  classDef fail fill:#f7d4d4,stroke:#a12d2d');
  return `${lines.join('\n')}\n`;
}
