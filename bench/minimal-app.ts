// The baseline: the smallest useful cdktf app, one deep-imported resource.
import { App, TerraformStack } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";

const app = new App({ outdir: process.env.CDKTF_OUTDIR ?? "cdktf.out" });
const stack = new TerraformStack(app, "minimal");
new AzurermProvider(stack, "azurerm", { features: [{}] });
new ResourceGroup(stack, "rg", { name: "rg-minimal", location: "westeurope" });
app.synth();
