// The gRPC method definitions of thanos.Store and thanos.info.Info, with (de)serializers from the
// protobuf layer; shared by the server and the client.
import type * as grpc from "@grpc/grpc-js";
import type protobuf from "protobufjs";
import { THANOS_METHODS, WireDecodeError, decodeSeriesResponse, decodeWire, encodeSeriesResponse, encodeWire, thanosTypes } from "../proto/index.js";

/**
 * A request that did not decode. grpc-js hides a throwing deserializer's message from the
 * caller, so the server's deserializer returns this and the handler answers INVALID_ARGUMENT.
 */
export class UndecodableRequest {
  constructor(readonly message: string) {}
}

function requestDeserializer(type: protobuf.Type): (bytes: Buffer) => object {
  return (bytes) => {
    try {
      return decodeWire<object>(type, bytes);
    } catch (err) {
      if (err instanceof WireDecodeError) return new UndecodableRequest(err.message);
      throw err;
    }
  };
}

function method(path: string, request: protobuf.Type, response: protobuf.Type, responseStream: boolean): grpc.MethodDefinition<object, object> {
  const serialize = (type: protobuf.Type) => (value: object): Buffer => {
    const bytes = encodeWire(type, value);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
  const deserialize = (type: protobuf.Type) => (bytes: Buffer): object => decodeWire<object>(type, bytes);
  return {
    path,
    requestStream: false,
    responseStream,
    requestSerialize: serialize(request),
    requestDeserialize: requestDeserializer(request),
    responseSerialize: serialize(response),
    responseDeserialize: deserialize(response),
  };
}

/** thanos.Store (with the deprecated Info, removed from Thanos in v0.37). */
export const STORE_METHODS = {
  Info: method(THANOS_METHODS.storeInfo, thanosTypes.StoreInfoRequest, thanosTypes.StoreInfoResponse, false),
  // The stream's messages are the hot path: written and read by hand (proto/series-response.ts).
  Series: {
    ...method(THANOS_METHODS.series, thanosTypes.SeriesRequest, thanosTypes.SeriesResponse, true),
    responseSerialize: (value: object): Buffer => encodeSeriesResponse(value),
    responseDeserialize: (bytes: Buffer): object => decodeSeriesResponse(bytes),
  },
  LabelNames: method(THANOS_METHODS.labelNames, thanosTypes.LabelNamesRequest, thanosTypes.LabelNamesResponse, false),
  LabelValues: method(THANOS_METHODS.labelValues, thanosTypes.LabelValuesRequest, thanosTypes.LabelValuesResponse, false),
} as const;

/** thanos.info.Info. */
export const INFO_METHODS = {
  Info: method(THANOS_METHODS.info, thanosTypes.InfoRequest, thanosTypes.InfoResponse, false),
} as const;
