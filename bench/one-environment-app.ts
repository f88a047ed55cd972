// The app with one environment (the first config), to see the cost per stack next to the whole app.
import * as nodeModule from "module";
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();
import { addEnvironments, synthApp } from "../stacks/app";
import { environments } from "../stacks/environments";

synthApp((app) => addEnvironments(app, environments.slice(0, 1)));
