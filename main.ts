import * as nodeModule from "module";
// Node >= 22.1 keeps compiled code on disk: later synths skip most of the ~3.5 MB of provider
// bindings' compile time. A no-op where unsupported.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
import { addEnvironments, synthApp } from "./stacks/app";
import { environments } from "./stacks/environments";

// One stack per environment (dev, test, prod); synthApp calls app.synth() atomically. Every
// environment is synthesized and checked; AML_DATAPATH_ENV=<env> (npm run plan/deploy -- <env>)
// prints only that environment's findings, AML_DATAPATH_LOCAL_STATE=1 (--local-state) keeps state local.
synthApp((app) => addEnvironments(app, environments));
