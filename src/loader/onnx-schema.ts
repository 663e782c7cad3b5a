/**
 * The subset of onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto)
 * that an inference engine needs, as a protobuf JSON descriptor (protobufjs's format),
 * read and written by protobuf-codec.ts.
 *
 * Field numbers are ONNX's; field names are protobufjs's camelCase of ONNX's
 * snake_case (`raw_data` → `rawData`). Keeping the schema in code (not a
 * .proto file read at run time) lets the core run without a file system.
 */
import { compileMessages } from "./protobuf-codec.js";

const repeated = "repeated" as const;

const schema = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: "int64", id: 1 },
            producerName: { type: "string", id: 2 },
            producerVersion: { type: "string", id: 3 },
            domain: { type: "string", id: 4 },
            modelVersion: { type: "int64", id: 5 },
            docString: { type: "string", id: 6 },
            graph: { type: "GraphProto", id: 7 },
            opsetImport: { rule: repeated, type: "OperatorSetIdProto", id: 8 },
            metadataProps: { rule: repeated, type: "StringStringEntryProto", id: 14 },
          },
        },
        OperatorSetIdProto: {
          fields: {
            domain: { type: "string", id: 1 },
            version: { type: "int64", id: 2 },
          },
        },
        StringStringEntryProto: {
          fields: {
            key: { type: "string", id: 1 },
            value: { type: "string", id: 2 },
          },
        },
        GraphProto: {
          fields: {
            node: { rule: repeated, type: "NodeProto", id: 1 },
            name: { type: "string", id: 2 },
            initializer: { rule: repeated, type: "TensorProto", id: 5 },
            docString: { type: "string", id: 10 },
            input: { rule: repeated, type: "ValueInfoProto", id: 11 },
            output: { rule: repeated, type: "ValueInfoProto", id: 12 },
            valueInfo: { rule: repeated, type: "ValueInfoProto", id: 13 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: repeated, type: "string", id: 1 },
            output: { rule: repeated, type: "string", id: 2 },
            name: { type: "string", id: 3 },
            opType: { type: "string", id: 4 },
            attribute: { rule: repeated, type: "AttributeProto", id: 5 },
            docString: { type: "string", id: 6 },
            domain: { type: "string", id: 7 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: "string", id: 1 },
            f: { type: "float", id: 2 },
            i: { type: "int64", id: 3 },
            s: { type: "bytes", id: 4 },
            t: { type: "TensorProto", id: 5 },
            g: { type: "GraphProto", id: 6 },
            floats: { rule: repeated, type: "float", id: 7, options: { packed: false } },
            ints: { rule: repeated, type: "int64", id: 8, options: { packed: false } },
            strings: { rule: repeated, type: "bytes", id: 9 },
            tensors: { rule: repeated, type: "TensorProto", id: 10 },
            graphs: { rule: repeated, type: "GraphProto", id: 11 },
            docString: { type: "string", id: 13 },
            type: { type: "int32", id: 20 },
            refAttrName: { type: "string", id: 21 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: repeated, type: "int64", id: 1, options: { packed: false } },
            dataType: { type: "int32", id: 2 },
            floatData: { rule: repeated, type: "float", id: 4, options: { packed: true } },
            int32Data: { rule: repeated, type: "int32", id: 5, options: { packed: true } },
            stringData: { rule: repeated, type: "bytes", id: 6 },
            int64Data: { rule: repeated, type: "int64", id: 7, options: { packed: true } },
            name: { type: "string", id: 8 },
            rawData: { type: "bytes", id: 9 },
            doubleData: { rule: repeated, type: "double", id: 10, options: { packed: true } },
            uint64Data: { rule: repeated, type: "uint64", id: 11, options: { packed: true } },
            docString: { type: "string", id: 12 },
            externalData: { rule: repeated, type: "StringStringEntryProto", id: 13 },
            dataLocation: { type: "int32", id: 14 },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: "string", id: 1 },
            type: { type: "TypeProto", id: 2 },
            docString: { type: "string", id: 3 },
          },
        },
        TypeProto: {
          fields: {
            tensorType: { type: "TypeProtoTensor", id: 1 },
            denotation: { type: "string", id: 6 },
          },
        },
        TypeProtoTensor: {
          fields: {
            elemType: { type: "int32", id: 1 },
            shape: { type: "TensorShapeProto", id: 2 },
          },
        },
        TensorShapeProto: {
          fields: {
            dim: { rule: repeated, type: "TensorShapeDimension", id: 1 },
          },
        },
        TensorShapeDimension: {
          fields: {
            dimValue: { type: "int64", id: 1 },
            dimParam: { type: "string", id: 2 },
            denotation: { type: "string", id: 3 },
          },
        },
      },
    },
  },
};

const codecs = compileMessages(schema.nested.onnx.nested);

/** The codec of onnx.ModelProto: `decode(bytes)` and `encode(message).finish()`. */
export const ModelProtoType = codecs.get("ModelProto")!;

/** ONNX TensorProto.DataType codes. */
export const OnnxDataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
} as const;

/** ONNX AttributeProto.AttributeType codes. */
export const OnnxAttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;
