import { addEnvironments, synthApp } from "./stacks/app";
import { environments } from "./stacks/environments";

// One stack per environment (dev, test, prod); synthApp calls app.synth() atomically.
synthApp((app) => addEnvironments(app, environments));
