/** The wire layer of the provider: go-plugin handshake, gRPC, tfplugin6 messages, cty values. */
export { serve, ServeOptions, RunningServer } from "./server";
export { decodeValue, encodeValue, decodeDynamic, dynamic } from "./cty";
export { selfSignedCertificate, ServerCertificate } from "./certificate";
export * from "./types";
