import type { TaskRegistration } from '../_shared/task-registration.ts';

/** How the CheckInstanceQuotas step is deployed: timeout, memory, the IAM actions it calls, the environment it reads. */
export const registration: TaskRegistration = {
  timeoutSeconds: 60,
  memoryMb: 256,
  permissions: [
    // SageMaker's quotas, read by name. ListServiceQuotas has no resource-level permissions (Service Authorization
    // Reference, "Actions, resources, and condition keys for Service Quotas": its Resource types column is empty).
    { actions: ['servicequotas:ListServiceQuotas'], resources: ['any'] },
  ],
  environment: [],
};
