// Node 20 lacks Promise.withResolvers, which aws-local-stepfunctions needs; the runner installs it too.
import '../local/runner/polyfills.ts';
