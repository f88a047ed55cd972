/**
 * `--price`: an estimated cost from the public Azure Retail Prices API (no sign-in): the hourly
 * pay-as-you-go price of the cluster's VM size in its region, Linux, the low-priority meter only
 * when the cluster is low priority (never Spot, never Windows), times the node-hours. Answers are
 * cached for a day under the user's cache folder. Offline or on any error the caller shows
 * node-hours only and says why. It is an estimate: list prices, no discounts, no disks, network
 * or storage, and no AML charges beyond the VMs.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createPipelineRequest } from "@azure/core-rest-pipeline";
import type { Clients } from "./azure";
import type { Clock, Vars } from "./context";

/** The setting that points at another Retail Prices endpoint (a proxy, a mirror, a test server). */
export const PRICES_VARIABLE = "AML_DATAPATH_PRICES_ENDPOINT";
export const DEFAULT_PRICES_ENDPOINT = "https://prices.azure.com/api/retail/prices";
/** How long a price is reused from the cache. */
export const PRICE_CACHE_MS = 24 * 3600_000;

export interface VmPriceQuery {
  /** As the stack or run history writes it (STANDARD_DS3_V2, Standard_DS3_v2). */
  readonly vmSize: string;
  readonly region: string;
  readonly lowPriority: boolean;
}

export interface Price {
  /** Price of one node for one hour. */
  readonly perHour: number;
  readonly currency: string;
  /** The meter it was taken from, for the label (e.g. "DS3 v2", "Virtual Machines DSv2 Series"). */
  readonly meter: string;
  readonly product: string;
  readonly armSkuName: string;
  readonly region: string;
  readonly lowPriority: boolean;
  readonly fromCache: boolean;
}

/** One item of the Retail Prices API's answer (the fields used). */
interface RetailItem {
  readonly retailPrice?: number;
  readonly unitPrice?: number;
  readonly currencyCode?: string;
  readonly unitOfMeasure?: string;
  readonly armSkuName?: string;
  readonly armRegionName?: string;
  readonly meterName?: string;
  readonly skuName?: string;
  readonly productName?: string;
  readonly type?: string;
  readonly effectiveStartDate?: string;
  readonly isPrimaryMeterRegion?: boolean;
}

/** ARM's spelling of a VM size: STANDARD_DS3_V2 -> Standard_DS3_v2, standard_d4s_v3 -> Standard_D4s_v3. */
export function armSkuName(vmSize: string): string {
  return vmSize
    .split("_")
    .map((part, i) => {
      if (i === 0) return part.charAt(0).toUpperCase() + part.slice(1).toLowerCase();
      const m = /^([A-Za-z]+)(\d+)(.*)$/.exec(part);
      if (i === 1 && m) return `${m[1].toUpperCase()}${m[2]}${m[3].toLowerCase()}`;
      return part.toLowerCase();
    })
    .join("_");
}

/** The user's cache folder for this tool: XDG_CACHE_HOME, ~/Library/Caches, %LOCALAPPDATA%, else ~/.cache. */
export function cacheDir(vars: Vars): string {
  if (vars.XDG_CACHE_HOME) return path.join(vars.XDG_CACHE_HOME, "aml-datapath");
  const home = vars.HOME ?? vars.USERPROFILE ?? os.homedir();
  if (process.platform === "darwin") return path.join(home, "Library", "Caches", "aml-datapath");
  if (process.platform === "win32") return path.join(vars.LOCALAPPDATA ?? path.join(home, "AppData", "Local"), "aml-datapath", "Cache");
  return path.join(home, ".cache", "aml-datapath");
}

/** The meter that prices a node: Linux (no "Windows" product), not Spot, low priority only for a low-priority cluster. */
export function pickMeter(items: readonly RetailItem[], q: VmPriceQuery): RetailItem | undefined {
  const sku = armSkuName(q.vmSize).toLowerCase();
  const candidates = items.filter((i) => {
    const names = `${i.meterName ?? ""} ${i.skuName ?? ""}`;
    return (
      (i.type ?? "Consumption") === "Consumption" &&
      (i.armSkuName ?? "").toLowerCase() === sku &&
      (i.armRegionName ?? q.region).toLowerCase() === q.region.toLowerCase() &&
      /hour/i.test(i.unitOfMeasure ?? "") &&
      !/windows/i.test(i.productName ?? "") &&
      !/spot/i.test(names) &&
      /low priority/i.test(names) === q.lowPriority &&
      typeof (i.retailPrice ?? i.unitPrice) === "number"
    );
  });
  // The newest price; a primary meter region before a secondary one.
  return candidates.sort((a, b) => Number(b.isPrimaryMeterRegion ?? true) - Number(a.isPrimaryMeterRegion ?? true) || String(b.effectiveStartDate ?? "").localeCompare(String(a.effectiveStartDate ?? "")))[0];
}

export interface PriceContext {
  readonly clock: Pick<Clock, "now">;
  readonly env: Vars;
}

/** The hourly price of one node, or why there is none. */
export async function vmPrice(ctx: PriceContext, c: Clients, q: VmPriceQuery, signal: () => AbortSignal): Promise<Price | { readonly error: string }> {
  const sku = armSkuName(q.vmSize);
  const file = path.join(cacheDir(ctx.env), `price-${q.region.toLowerCase()}-${sku.toLowerCase()}-${q.lowPriority ? "lowpriority" : "dedicated"}.json`);
  try {
    const cached = JSON.parse(fs.readFileSync(file, "utf8")) as { fetchedAt?: number; price?: Price };
    if (cached.price && typeof cached.fetchedAt === "number" && ctx.clock.now() - cached.fetchedAt < PRICE_CACHE_MS && cached.fetchedAt <= ctx.clock.now()) {
      return { ...cached.price, fromCache: true };
    }
  } catch {
    // No cache (or an unreadable one): ask the API.
  }
  const endpoint = ctx.env[PRICES_VARIABLE] || DEFAULT_PRICES_ENDPOINT;
  const filter = `serviceName eq 'Virtual Machines' and armRegionName eq '${q.region}' and armSkuName eq '${sku}' and priceType eq 'Consumption'`;
  const items: RetailItem[] = [];
  let url: string | undefined = `${endpoint}?$filter=${encodeURIComponent(filter)}`;
  try {
    for (let page = 0; url && page < 10; page++) {
      const response = await c.anonymous.sendRequest(createPipelineRequest({ url, method: "GET", abortSignal: signal() }));
      if (response.status !== 200) return { error: `the Retail Prices API answered HTTP ${response.status}` };
      const body = JSON.parse(response.bodyAsText ?? "{}") as { Items?: RetailItem[]; NextPageLink?: string | null };
      items.push(...(body.Items ?? []));
      url = body.NextPageLink ?? undefined;
    }
  } catch (e) {
    return { error: `the Retail Prices API could not be reached (${(e as Error).message})` };
  }
  const meter = pickMeter(items, q);
  if (!meter) return { error: `no ${q.lowPriority ? "low-priority" : "pay-as-you-go"} Linux price for ${sku} in ${q.region}` };
  const price: Price = {
    perHour: (meter.retailPrice ?? meter.unitPrice)!,
    currency: meter.currencyCode ?? "USD",
    meter: meter.meterName ?? sku,
    product: meter.productName ?? "Virtual Machines",
    armSkuName: sku,
    region: q.region,
    lowPriority: q.lowPriority,
    fromCache: false,
  };
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ fetchedAt: ctx.clock.now(), price }));
    fs.renameSync(tmp, file);
  } catch {
    // A cache that cannot be written only costs a request next time.
  }
  return price;
}

/** "0.25 USD". */
export const fmtMoney = (amount: number, currency: string): string => `${amount < 1 ? amount.toFixed(3) : amount.toFixed(2)} ${currency}`;

/** The line that says what the estimate is based on. */
export const priceBasis = (p: Price): string =>
  `${fmtMoney(p.perHour, p.currency)}/node-hour, ${p.armSkuName} ${p.lowPriority ? "low priority" : "pay-as-you-go"} Linux in ${p.region} (Azure Retail Prices${p.fromCache ? ", cached" : ""})`;

/**
 * What to price: the cluster's VM size, region and priority from the stack, else what run history
 * says the steps ran on (`compute.vmSize`, `compute.region`, `compute.priority`); undefined when neither says.
 */
export function priceQueryOf(t: { readonly cluster?: { readonly vmSize?: string; readonly lowPriority?: boolean; readonly location?: string }; readonly location: string }, steps: readonly { readonly vmSize?: string; readonly lowPriority?: boolean; readonly region?: string }[]): VmPriceQuery | undefined {
  const ran = steps.find((s) => s.vmSize);
  const vmSize = t.cluster?.vmSize ?? ran?.vmSize;
  if (!vmSize) return undefined;
  return { vmSize, region: t.cluster?.location ?? ran?.region ?? t.location, lowPriority: t.cluster?.lowPriority ?? ran?.lowPriority ?? false };
}
