/** One operation of an awsJson API: the request's region and members in, the answer's members out. */
export type Operation = (region: string, input: Record<string, unknown>) => Promise<unknown>;

/** Operations by name, as the control plane dispatches them. */
export type Operations = Record<string, Operation>;
