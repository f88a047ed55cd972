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

export const adfRoundTrip = (model: string, wire: unknown) => roundTrip(DataFactoryMappers, model, wire);
export const mlRoundTrip = (model: string, wire: unknown) => roundTrip(MlMappers, model, wire);
