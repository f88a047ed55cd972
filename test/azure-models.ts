import { createSerializer, CompositeMapper } from "@azure/core-client";
import * as DataFactoryMappers from "@azure/arm-datafactory/dist-esm/src/models/mappers";
import * as MlMappers from "@azure/arm-machinelearning/dist-esm/src/models/mappers";

type MapperSet = { readonly [name: string]: unknown };

/**
 * Deserialize `wire` JSON with an Azure SDK model (built from the REST spec) and serialize it back.
 * A misspelled or unknown field is dropped on the way, a mistyped one throws, so comparing the
 * result with the input (ignoring key order) checks the JSON against the REST spec.
 */
function roundTrip(mappers: MapperSet, model: string, wire: unknown): unknown {
  const mapper = mappers[model] as CompositeMapper | undefined;
  if (!mapper) throw new Error(`no mapper named ${model}`);
  const serializer = createSerializer(mappers as { [key: string]: CompositeMapper }, false);
  const object = serializer.deserialize(mapper, wire, "wire");
  return serializer.serialize(mapper, object, "wire");
}

/**
 * Fields of the 2018-06-01 REST spec (and of Azure's Bicep types, which azapi validates against) that
 * `@azure/arm-datafactory` 12.0.0 predates: `WebActivityTypeProperties.httpRequestTimeout`
 * ("hh:mm:ss", 1-10 minutes) and `turnOffAsync` (boolean). Added to a copy of its mappers so the
 * round trip still drops anything else it does not know.
 */
const webActivity = DataFactoryMappers.WebActivity as unknown as CompositeMapper;
const WebActivityWithSpecAdditions: CompositeMapper = {
  ...webActivity,
  type: {
    ...webActivity.type,
    modelProperties: {
      ...(webActivity.type as { modelProperties: object }).modelProperties,
      httpRequestTimeout: { serializedName: "typeProperties.httpRequestTimeout", type: { name: "any" } },
      turnOffAsync: { serializedName: "typeProperties.turnOffAsync", type: { name: "Boolean" } },
    },
  } as CompositeMapper["type"],
};
const AdfMappers: MapperSet = {
  ...DataFactoryMappers,
  WebActivity: WebActivityWithSpecAdditions,
  discriminators: { ...DataFactoryMappers.discriminators, "ExecutionActivity.WebActivity": WebActivityWithSpecAdditions },
};

export const adfRoundTrip = (model: string, wire: unknown) => roundTrip(AdfMappers, model, wire);
export const mlRoundTrip = (model: string, wire: unknown) => roundTrip(MlMappers, model, wire);
